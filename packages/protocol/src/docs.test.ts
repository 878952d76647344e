import { expect, test } from 'bun:test';
import { resolve } from 'node:path';
import { decodeTelemetry, REJECT_REASONS } from './decode';
import { decodeCommand, decodeCommandAck, decodeEvent, decodeState } from './device-messages';
import { LIMITS } from './limits';
import { CANONICAL_METRICS } from './metrics';

// docs/protocol.md is what firmware authors read; these tests fail when it drifts from the code.
const doc = await Bun.file(resolve(import.meta.dir, '../../../docs/protocol.md')).text();
const section = (heading: string) => {
  const start = doc.indexOf(`\n## ${heading}`);
  const end = doc.indexOf('\n## ', start + 1);
  expect(start, `section "${heading}"`).toBeGreaterThanOrEqual(0);
  return doc.slice(start, end === -1 ? undefined : end);
};
// Rows with the formatter's alignment padding collapsed, so `| a   |` reads as `| a |`.
const tableRows = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.startsWith('| '))
    .map((line) => line.replace(/ {2,}\|/g, ' |'));

test('the limits table quotes every limit with its current value', () => {
  const rows = tableRows(section('Limits'));
  for (const [name, value] of Object.entries(LIMITS)) {
    const row = rows.find((line) => line.includes(`(${name})`));
    expect(row, `a row for ${name}`).toBeDefined();
    const cell = row?.split('|')[2] ?? '';
    if (value instanceof RegExp) {
      expect(cell).toContain(`\`${value.source}\``);
    } else {
      // The value as a whole number, so 64 does not pass for 640 or 4096 for 40960.
      expect(cell).toMatch(new RegExp(`(^|[^0-9])${value}([^0-9]|$)`));
    }
  }
});

test('every canonical metric is documented with its unit', () => {
  const rows = tableRows(section('Telemetry'));
  for (const [name, metric] of Object.entries(CANONICAL_METRICS)) {
    const row = rows.find((line) => line.includes(`\`${name}\``));
    expect(row, `a row for ${name}`).toBeDefined();
    expect(row).toContain(
      metric.kind === 'boolean' ? 'boolean' : metric.unit.replace('deg', 'degrees'),
    );
  }
});

test('the reject reasons table lists every reason in the order the checks run', () => {
  const documented = tableRows(section('What happens to a refused message'))
    .map((line) => /^\| `([a-z0-9_]+)` \|/.exec(line)?.[1])
    .filter((reason) => reason !== undefined);
  expect(documented).toEqual([...REJECT_REASONS]);
});

test('the example payloads in the document decode as the document says', () => {
  const examples = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  const bytes = (text: string | undefined) => new TextEncoder().encode(text ?? '');
  const [telemetry, state, event, command, ack, node, drone, flat] = examples;
  const at = (receivedAt: number, topic: string, text: string | undefined) =>
    decodeTelemetry(topic, bytes(text), {
      receivedAt,
      legacy: { flat: true, node: true, drone: true },
    });
  expect(examples).toHaveLength(8);
  expect(at(1_795_464_713_844, 'devices/d7/telemetry', telemetry).ok).toBe(true);
  expect(decodeState(bytes(state)).ok).toBe(true);
  expect(decodeEvent(bytes(event)).ok).toBe(true);
  expect(decodeCommand(bytes(command)).ok).toBe(true);
  expect(decodeCommandAck(bytes(ack)).ok).toBe(true);
  expect(at(1_795_464_713_000, 'iot/node/n7/telemetry', node)).toMatchObject({
    ok: true,
    telemetry: { metrics: { temperature: 19, humidity: 55, rssi: -61, uptime: 3600 } },
  });
  expect(at(1_795_464_713_844, 'iot/drone/d2/telemetry', drone).ok).toBe(true);
  expect(at(Date.UTC(2026, 10, 23, 12), 'iot/sensors', flat)).toMatchObject({
    ok: true,
    deviceId: 'old-1',
    telemetry: { metrics: { temperature: 20.5, motion: true, humidity: 40 } },
  });
});

test('the documented reject details are the ones the decoder writes', () => {
  const rows = tableRows(section('What happens to a refused message'));
  const detailOf = (reason: string) =>
    /\| `[^`]+` \|$/.exec(rows.find((line) => line.startsWith(`| \`${reason}\``)) ?? '')?.[0];
  const bytes = (text: string) => new TextEncoder().encode(text);
  const run = (topic: string, payload: Uint8Array) =>
    decodeTelemetry(topic, payload, { receivedAt: Date.UTC(2026, 10, 23, 12) });
  const cases: Array<[string, ReturnType<typeof run>]> = [
    ['unknown_topic', run('devices/d7/telemetry/x', bytes('{}'))],
    ['legacy_disabled', run('iot/sensors', bytes('{}'))],
    ['oversize', run('devices/d7/telemetry', new Uint8Array(5120))],
    ['bad_json', run('devices/d7/telemetry', bytes('[[[[[[[[[]]]]]]]]]'))],
    ['device_mismatch', run('devices/d7/telemetry', bytes('{"device_id":"d8"}'))],
    [
      'schema',
      run('devices/d7/telemetry', bytes('{"ts":0,"boot":1,"seq":0,"metrics":{"temp":"hot"}}')),
    ],
    [
      'clock_skew',
      run(
        'devices/d7/telemetry',
        bytes('{"ts":"2031-01-01T00:00:00Z","boot":1,"seq":0,"metrics":{"t":1}}'),
      ),
    ],
  ];
  for (const [reason, result] of cases) {
    expect(result).toMatchObject({ ok: false, reason });
    expect(detailOf(reason)).toBe(`| \`${result.ok ? '' : result.detail}\` |`);
  }
});
