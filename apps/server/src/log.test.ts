import { expect, test } from 'bun:test';
import { createLogger } from './log';

test('writes one JSON line per entry at or above the level, with bound fields and errors', () => {
  const lines: string[] = [];
  const log = createLogger('info', (line) => lines.push(line)).child({ module: 'ingest' });
  log.debug('hidden');
  log.info('flushed', { rows: 3 });
  log.error('failed', { error: new Error('disk full'), big: 10n });
  expect(lines).toHaveLength(2);
  expect(lines.every((line) => line.endsWith('\n') && !line.slice(0, -1).includes('\n'))).toBe(
    true,
  );
  const [info, error] = lines.map((line) => JSON.parse(line));
  expect(info).toMatchObject({ level: 'info', msg: 'flushed', module: 'ingest', rows: 3 });
  expect(Number.isNaN(Date.parse(info.time))).toBe(false);
  expect(error).toMatchObject({
    level: 'error',
    error: { name: 'Error', message: 'disk full' },
    big: '10',
  });
});
