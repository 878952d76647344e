import { expect, test } from 'bun:test';
import { decodeCommandAck, decodeState } from './device-messages';
import { canonicalMetric } from './metrics';
import { jsonSchemas } from './schemas';

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

test('every message kind has a JSON Schema document with an id', () => {
  for (const [kind, schema] of Object.entries(jsonSchemas)) {
    expect(schema.$id).toStartWith('vigil/v1/');
    expect(JSON.parse(JSON.stringify(schema)).type).toBe('object');
    expect(kind.length).toBeGreaterThan(0);
  }
});

test('state messages: Last Will shape and full shape', () => {
  expect(decodeState(bytes({ online: false }))).toEqual({ ok: true, state: { online: false } });
  const full = { online: true, fw: '1.4.2', model: 'esp32-env', rssi: -58, uptime: 12 };
  expect(decodeState(bytes(full))).toEqual({ ok: true, state: full });
  expect(decodeState(bytes({ fw: '1' }))).toMatchObject({ ok: false, reason: 'schema' });
});

test('command acks: statuses are a closed set', () => {
  expect(decodeCommandAck(bytes({ id: 'c1', status: 'done', result: { angle: 90 } })).ok).toBe(
    true,
  );
  expect(decodeCommandAck(bytes({ id: 'c1', status: 'maybe' }))).toMatchObject({
    ok: false,
    reason: 'schema',
  });
  expect(decodeCommandAck(new Uint8Array([0xff]))).toMatchObject({ ok: false, reason: 'bad_utf8' });
});

test('canonical metrics carry units; other names are unknown, not refused', () => {
  expect(canonicalMetric('temperature')?.unit).toBe('°C');
  expect(canonicalMetric('accel_z')?.unit).toBe('m/s²');
  expect(canonicalMetric('co2_ppm')).toBeUndefined();
  expect(canonicalMetric('toString')).toBeUndefined();
});
