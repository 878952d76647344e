import { expect, test } from 'bun:test';
import { resolve } from 'node:path';
import { REJECT_REASONS } from './decode';
import { LIMITS } from './limits';
import { CANONICAL_METRICS } from './metrics';

const doc = await Bun.file(resolve(import.meta.dir, '../../../docs/protocol.md')).text();
const limitsTable = doc.slice(doc.indexOf('## Limits'), doc.indexOf('## What happens'));

test('docs/protocol.md quotes every limit with its current value', () => {
  for (const [name, value] of Object.entries(LIMITS)) {
    const row = limitsTable.split('\n').find((line) => line.includes(`(${name})`));
    expect(row, `a row for ${name}`).toBeDefined();
    const shown = value instanceof RegExp ? value.source : String(value);
    expect(row).toContain(shown);
  }
});

test('docs/protocol.md lists every canonical metric and every reject reason', () => {
  for (const name of Object.keys(CANONICAL_METRICS)) expect(doc).toContain(`\`${name}\``);
  for (const reason of REJECT_REASONS) expect(doc).toContain(`| \`${reason}\` |`);
});
