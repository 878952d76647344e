import { describe, expect, test } from 'bun:test';
import { type DecodeOptions, decodeTelemetry, REJECT_REASONS } from './decode';
import { LIMITS } from './limits';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const options: DecodeOptions = { receivedAt: NOW };
const bytes = (value: unknown) =>
  new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
const valid = { ts: NOW, boot: 42, seq: 7, metrics: { temperature: 21.5, motion: false } };
const decode = (payload: unknown, topic = 'devices/node-1/telemetry', opts = options) =>
  decodeTelemetry(topic, bytes(payload), opts);

describe('decodeTelemetry v1', () => {
  test('accepts a valid message and names the device from the topic', () => {
    expect(decode(valid)).toEqual({ ok: true, deviceId: 'node-1', telemetry: valid, tsMs: NOW });
  });

  test('accepts RFC 3339 timestamps with offsets and fractions', () => {
    const result = decode({ ...valid, ts: '2026-11-23T13:00:00.250+01:00' });
    expect(result.ok && result.tsMs).toBe(NOW + 250);
  });

  test.each([
    ['bad_json', '{"ts":', 'invalid JSON'],
    ['bad_json', '[[[[[[[[[1]]]]]]]]]', 'JSON nested 9 levels deep (limit 8)'],
    ['schema', '42', 'payload: expected a JSON object, got 42'],
    ['schema', '[1]', 'payload: expected a JSON object, got [1]'],
    ['schema', { ...valid, extra: 1 }, 'extra: not a v1 telemetry field'],
    ['schema', { ...valid, id: 'node-1' }, 'id: not a v1 telemetry field'],
    ['schema', { ...valid, device_id: 'node-1' }, 'device_id: not a v1 telemetry field'],
    ['schema', { boot: 1, seq: 1, metrics: { a: 1 } }, 'ts: required'],
    ['schema', { ...valid, ts: true }, 'ts: expected RFC 3339 text or integer epoch'],
    ['schema', { ...valid, ts: 1.5 }, 'ts 1.5: expected a non-negative integer of epoch'],
    ['schema', { ...valid, ts: -1 }, 'ts -1: expected a non-negative integer'],
    ['schema', { ...valid, ts: '23/11/2026' }, 'ts "23/11/2026": expected RFC 3339'],
    ['schema', { ...valid, ts: '2026-02-30T00:00:00Z' }, 'day 30 does not exist in 2026-02'],
    ['schema', { ...valid, ts: '2026-11-23T12:00:00' }, 'expected RFC 3339'],
    [
      'schema',
      { ...valid, seq: -1 },
      'seq: expected an integer from 0 to 9007199254740991, got -1',
    ],
    ['schema', { ...valid, seq: 1.5 }, 'seq: expected an integer'],
    ['schema', { ...valid, boot: 2 ** 32 }, 'boot: expected an integer from 0 to 4294967295'],
    ['schema', { ...valid, boot: '1' }, 'boot: expected an integer from 0 to 4294967295, got "1"'],
    ['schema', { ts: NOW, seq: 1, metrics: { a: 1 } }, 'boot: required'],
    ['schema', { ts: NOW, boot: 1, metrics: { a: 1 } }, 'seq: required'],
    ['schema', { ts: NOW, boot: 1, seq: 1 }, 'metrics: required'],
    ['schema', { ...valid, metrics: [1] }, 'metrics: expected an object'],
    ['schema', { ...valid, metrics: {} }, 'metrics: empty (at least 1 metric)'],
    ['schema', { ...valid, metrics: { Temp: 1 } }, 'metrics.Temp: metric names must match'],
    ['schema', { ...valid, metrics: { '1a': 1 } }, 'metrics.1a: metric names must match'],
    ['schema', { ...valid, metrics: { t: 'hot' } }, 'metrics.t: expected a finite number or'],
    ['schema', { ...valid, metrics: { t: null } }, 'metrics.t: expected a finite number or'],
    ['schema', { ...valid, metrics: { t: { v: 1 } } }, 'metrics.t: expected a finite number'],
    [
      'schema',
      '{"ts":1,"boot":1,"seq":1,"metrics":{"temp":1e999}}',
      'metrics.temp: expected a finite number or a boolean, got Infinity',
    ],
    ['device_mismatch', { ...valid, device_id: 'node-2' }, 'payload device_id "node-2" disagrees'],
    ['device_mismatch', { ...valid, deviceId: 'node-2' }, 'payload deviceId "node-2"'],
    ['device_mismatch', { ...valid, node_id: 7 }, 'payload node_id 7 disagrees'],
    ['device_mismatch', { ...valid, drone_id: 'x', seq: -1 }, 'payload drone_id "x"'],
    [
      'clock_skew',
      { ...valid, ts: '2031-01-01T00:00:00Z' },
      'ts 2031-01-01T00:00:00Z is 4.1 years ahead of receive time (limit 5 min)',
    ],
    [
      'clock_skew',
      { ...valid, ts: NOW + LIMITS.maxFutureSkewMs + 1 },
      'ahead of receive time (limit 5 min)',
    ],
    [
      'clock_skew',
      { ...valid, ts: NOW - LIMITS.maxPastSkewMs - 1 },
      'behind receive time (limit 24 h)',
    ],
    ['clock_skew', { ...valid, ts: Math.floor(NOW / 1000) }, 'looks like epoch seconds'],
  ] as const)('rejects %s: %j', (reason, payload, detail) => {
    const result = decode(payload);
    expect(result).toMatchObject({ ok: false, reason, deviceId: 'node-1' });
    if (!result.ok) expect(result.detail).toContain(detail);
  });

  test('rejects an oversize payload before looking at its bytes', () => {
    const junk = new Uint8Array(LIMITS.maxPayloadBytes + 1).fill(0xff);
    expect(decodeTelemetry('devices/a/telemetry', junk, options)).toEqual({
      ok: false,
      reason: 'oversize',
      detail: `payload is ${LIMITS.maxPayloadBytes + 1} bytes (limit ${LIMITS.maxPayloadBytes})`,
      deviceId: 'a',
    });
  });

  test('rejects invalid UTF-8, including an overlong encoding and a lone surrogate', () => {
    for (const raw of [
      [0x7b, 0xff, 0x7d],
      [0xc0, 0xaf],
      [0xed, 0xa0, 0x80],
    ]) {
      const result = decodeTelemetry('devices/a/telemetry', new Uint8Array(raw), options);
      expect(result).toEqual({
        ok: false,
        reason: 'bad_utf8',
        detail: 'payload is not valid UTF-8',
        deviceId: 'a',
      });
    }
  });

  test('whitespace around the JSON is fine; valid multi-byte UTF-8 reaches the schema check', () => {
    const result = decode(` {"ts":"2026-11-23T12:00:00Z","boot":1,"seq":0,"metrics":{"t":1}}\n`);
    expect(result.ok).toBe(true);
    expect(decode({ ...valid, metrics: { tempé: 1 } })).toMatchObject({
      reason: 'schema',
      detail: expect.stringContaining('metrics.tempé: metric names must match'),
    });
  });

  test('a metric named __proto__ is refused by the name rule', () => {
    const result = decode('{"ts":1795435200000,"boot":1,"seq":0,"metrics":{"__proto__":1}}');
    expect(result).toMatchObject({ ok: false, reason: 'schema' });
  });

  test('never throws, whatever the bytes', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed;
    };
    const base = bytes(valid);
    for (let round = 0; round < 2_000; round++) {
      const mutated = base.slice(0, random() % (base.length + 1));
      for (let flips = random() % 4; flips >= 0; flips--) {
        if (mutated.length > 0) mutated[random() % mutated.length] = random() % 256;
      }
      const result = decodeTelemetry('devices/a/telemetry', mutated, options);
      expect(typeof result.ok).toBe('boolean');
      if (!result.ok) expect(REJECT_REASONS).toContain(result.reason);
    }
  });

  test('refuses topics that are not telemetry topics', () => {
    for (const topic of [
      'devices/a/state',
      'devices/a/cmd/ack',
      'devices/a/telemetry/x',
      'devices/a/telemetry/',
      'other/a/telemetry',
      'devices/+/telemetry',
      'devices/#',
      'iot/node/+/telemetry',
      'iot/node/a/b/telemetry',
      'iot/robot/a/telemetry',
      'iot/sensors/x',
    ]) {
      expect(decode(valid, topic)).toEqual({
        ok: false,
        reason: 'unknown_topic',
        detail: `"${topic}" is not a telemetry topic`,
      });
    }
  });

  test('honours a custom topic root, including a multi-level one', () => {
    const at = (topicRoot: string, topic: string) =>
      decode(valid, topic, { receivedAt: NOW, topicRoot }).ok;
    expect(at('plant7', 'plant7/a/telemetry')).toBe(true);
    expect(at('plant7', 'devices/a/telemetry')).toBe(false);
    expect(at('site/b', 'site/b/a/telemetry')).toBe(true);
  });
});

describe('decodeTelemetry limits, exactly at and one past each', () => {
  test('maxMetrics', () => {
    const atLimit = Object.fromEntries(
      Array.from({ length: LIMITS.maxMetrics }, (_, i) => [`m${i}`, i]),
    );
    expect(decode({ ...valid, metrics: atLimit }).ok).toBe(true);
    expect(decode({ ...valid, metrics: { ...atLimit, extra: 1 } })).toMatchObject({
      reason: 'schema',
      detail: `metrics: ${LIMITS.maxMetrics + 1} metrics (limit ${LIMITS.maxMetrics})`,
    });
  });

  test('metric name length (63 characters)', () => {
    const name63 = `a${'b'.repeat(62)}`;
    expect(decode({ ...valid, metrics: { [name63]: 1 } }).ok).toBe(true);
    expect(decode({ ...valid, metrics: { [`${name63}c`]: 1 } })).toMatchObject({
      reason: 'schema',
    });
  });

  test('maxFutureSkewMs and maxPastSkewMs', () => {
    expect(decode({ ...valid, ts: NOW + LIMITS.maxFutureSkewMs }).ok).toBe(true);
    expect(decode({ ...valid, ts: NOW + LIMITS.maxFutureSkewMs + 1 })).toMatchObject({
      reason: 'clock_skew',
    });
    expect(decode({ ...valid, ts: NOW - LIMITS.maxPastSkewMs }).ok).toBe(true);
    expect(decode({ ...valid, ts: NOW - LIMITS.maxPastSkewMs - 1 })).toMatchObject({
      reason: 'clock_skew',
    });
  });

  test('maxBoot, and boot 0 (reserved for legacy, still accepted)', () => {
    expect(decode({ ...valid, boot: LIMITS.maxBoot }).ok).toBe(true);
    expect(decode({ ...valid, boot: LIMITS.maxBoot + 1 })).toMatchObject({ reason: 'schema' });
    expect(decode({ ...valid, boot: 0 }).ok).toBe(true);
  });

  test('seq up to the largest safe integer', () => {
    expect(decode({ ...valid, seq: Number.MAX_SAFE_INTEGER }).ok).toBe(true);
    expect(decode(`{"ts":${NOW},"boot":1,"seq":9007199254740993,"metrics":{"a":1}}`)).toMatchObject(
      { reason: 'schema' },
    );
  });

  test('maxPayloadBytes', () => {
    const padded = (size: number) => {
      const base = JSON.stringify(valid);
      return `${base.slice(0, -1)}${' '.repeat(size - base.length)}}`;
    };
    expect(bytes(padded(LIMITS.maxPayloadBytes)).byteLength).toBe(LIMITS.maxPayloadBytes);
    expect(decode(padded(LIMITS.maxPayloadBytes)).ok).toBe(true);
    expect(decode(padded(LIMITS.maxPayloadBytes + 1))).toMatchObject({ reason: 'oversize' });
  });
});
