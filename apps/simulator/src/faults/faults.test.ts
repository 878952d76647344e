import { describe, expect, test } from 'bun:test';
import { LIMITS } from '@vigil/protocol';
import { num, type ParsedPayload, parsePayload } from '../../test/payload';
import { generateTrace } from '../trace';
import type { DeviceKind, FaultType, LabelledMessage } from '../types';

const START = Date.UTC(2026, 5, 1, 12, 0, 0);
const AT = 10 * 60_000;

type Run = {
  clean: LabelledMessage[];
  faulty: LabelledMessage[];
  labelled: LabelledMessage[];
  /** Labelled messages paired with the clean message sent at the same time. */
  pairs: Array<{ fault: ParsedPayload; clean: ParsedPayload }>;
};

function run(type: FaultType, durationMs: number, kind: DeviceKind = 'sensor', seed = 1): Run {
  const base = {
    seed,
    deviceId: `${kind}-001`,
    kind,
    startMs: START,
    durationMs: 20 * 60_000,
    intervalMs: 1000,
  };
  const clean = generateTrace({ ...base, faults: 'none' });
  const faulty = generateTrace({ ...base, faults: [{ type, atMs: AT, durationMs }] });
  const labelled = faulty.filter((m) => m.label !== null);
  const cleanBySeq = new Map(
    clean.map((m) => [parsePayload(m.payload).seq, parsePayload(m.payload)]),
  );
  const pairs = labelled.flatMap((m) => {
    const fault = parsePayload(m.payload);
    const twin = cleanBySeq.get(fault.seq);
    return twin === undefined ? [] : [{ fault, clean: twin }];
  });
  return { clean, faulty, labelled, pairs };
}

describe('fault injection', () => {
  test('every label is the injected type, and value faults leave the rest byte-identical', () => {
    for (const [type, kind] of [
      ['spike', 'sensor'],
      ['drift', 'drone'],
      ['freeze', 'sensor'],
      ['noise', 'drone'],
      ['tamper', 'sensor'],
      ['gps_jump', 'drone'],
      ['clock_skew', 'sensor'],
    ] as const) {
      const { clean, faulty, labelled } = run(type, 30_000, kind);
      expect(labelled.length).toBeGreaterThan(0);
      expect(labelled.every((m) => m.label === type)).toBe(true);
      expect(faulty).toHaveLength(clean.length);
      faulty.forEach((m, i) => {
        if (m.label === null) expect(m.payload).toBe(clean[i]?.payload as string);
        // A frozen value can coincide with what the sensor would have read anyway.
        else if (type !== 'freeze') expect(m.payload).not.toBe(clean[i]?.payload as string);
      });
    }
  });

  test('spike: a metric jumps far off for 1-3 messages', () => {
    for (const [kind, seed] of [
      ['sensor', 1],
      ['sensor', 2],
      ['sensor', 3],
      ['drone', 4],
      ['drone', 5],
    ] as const) {
      const { labelled, pairs } = run('spike', 2_000, kind, seed);
      expect(labelled).toHaveLength(2);
      for (const { fault, clean } of pairs) {
        const jumps = Object.keys(clean.metrics).map((name) =>
          typeof clean.metrics[name] === 'number'
            ? Math.abs(num(fault.metrics, name) - num(clean.metrics, name))
            : 0,
        );
        expect(Math.max(...jumps)).toBeGreaterThan(12);
      }
    }
  });

  test('drift: a bias grows linearly over the episode', () => {
    for (const [kind, seed] of [
      ['sensor', 1],
      ['sensor', 7],
      ['drone', 3],
    ] as const) {
      const { pairs } = run('drift', 5 * 60_000, kind, seed);
      expect(pairs).toHaveLength(300);
      const bias = (i: number) => {
        const pair = pairs[i];
        if (pair === undefined) throw new Error(`no pair ${i}`);
        return Math.max(
          ...['temperature', 'humidity', 'altitude']
            .filter((name) => name in pair.clean.metrics)
            .map((name) => Math.abs(num(pair.fault.metrics, name) - num(pair.clean.metrics, name))),
        );
      };
      expect(bias(0)).toBeLessThan(0.2);
      expect(bias(150)).toBeGreaterThan(1.5);
      expect(bias(299)).toBeGreaterThan(3.9);
      expect(bias(299)).toBeGreaterThan(bias(150) * 1.6);
    }
  });

  test('freeze: a metric group repeats its exact value while the clean signal moves', () => {
    for (const [kind, seed] of [
      ['sensor', 1],
      ['sensor', 2],
      ['drone', 3],
      ['drone', 4],
    ] as const) {
      const { pairs } = run('freeze', 60_000, kind, seed);
      const names = Object.keys(pairs[0]?.clean.metrics ?? {}).filter((name) =>
        ['temperature', 'humidity', 'proximity', 'latitude', 'accel_x'].includes(name),
      );
      const frozen = names.filter((name) => {
        const faultValues = new Set(pairs.map((p) => p.fault.metrics[name]));
        const cleanValues = new Set(pairs.map((p) => p.clean.metrics[name]));
        return faultValues.size === 1 && cleanValues.size > 5;
      });
      expect(frozen.length).toBeGreaterThan(0);
    }
  });

  test('noise: a burst of variance far above the clean signal', () => {
    for (const [kind, seed] of [
      ['sensor', 1],
      ['sensor', 2],
      ['drone', 3],
    ] as const) {
      const { pairs } = run('noise', 60_000, kind, seed);
      const spreads = Object.keys(pairs[0]?.clean.metrics ?? {})
        .filter((name) => typeof pairs[0]?.clean.metrics[name] === 'number')
        .map((name) => {
          const diffs = pairs.map((p) => num(p.fault.metrics, name) - num(p.clean.metrics, name));
          const mean = diffs.reduce((a, b) => a + b, 0) / diffs.length;
          return Math.sqrt(diffs.reduce((a, b) => a + (b - mean) ** 2, 0) / diffs.length);
        });
      expect(Math.max(...spreads)).toBeGreaterThan(0.8);
    }
  });

  test('tamper: motion, a hand within centimetres and warming, all together', () => {
    for (const seed of [1, 2, 3, 4]) {
      const { pairs } = run('tamper', 30_000, 'sensor', seed);
      expect(pairs).toHaveLength(30);
      for (const { fault, clean } of pairs) {
        expect(fault.metrics.motion).toBe(true);
        expect(num(fault.metrics, 'proximity')).toBeLessThan(10);
        expect(num(fault.metrics, 'temperature')).toBeGreaterThan(
          num(clean.metrics, 'temperature'),
        );
      }
      const last = pairs[pairs.length - 1];
      if (last === undefined) throw new Error('no pairs');
      expect(
        num(last.fault.metrics, 'temperature') - num(last.clean.metrics, 'temperature'),
      ).toBeGreaterThan(0.95);
    }
  });

  test('gps_jump: the drone teleports hundreds of metres or more', () => {
    for (const seed of [1, 2, 3]) {
      const { pairs } = run('gps_jump', 3_000, 'drone', seed);
      expect(pairs).toHaveLength(3);
      for (const { fault, clean } of pairs) {
        const metres = Math.hypot(
          (num(fault.metrics, 'latitude') - num(clean.metrics, 'latitude')) * 111_320,
          (num(fault.metrics, 'longitude') - num(clean.metrics, 'longitude')) * 74_300,
        );
        expect(metres).toBeGreaterThan(290);
      }
    }
  });

  test('clock_skew: ts is off from receivedAt by more than the protocol allows ahead', () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const { faulty } = run('clock_skew', 60_000, 'sensor', seed);
      for (const m of faulty) {
        const skew = Math.abs(parsePayload(m.payload).tsMs - m.receivedAt);
        if (m.label === 'clock_skew') expect(skew).toBeGreaterThan(LIMITS.maxFutureSkewMs);
        else expect(skew).toBeLessThan(5_000);
      }
    }
  });

  test('dropout: nothing arrives for the gap; the first message after it is labelled and skips seq', () => {
    const { clean, faulty, labelled } = run('dropout', 120_000);
    expect(faulty).toHaveLength(clean.length - 120);
    expect(labelled).toHaveLength(1);
    const index = faulty.indexOf(labelled[0] as LabelledMessage);
    const before = parsePayload(faulty[index - 1]?.payload as string);
    const after = parsePayload(faulty[index]?.payload as string);
    expect(after.seq - before.seq).toBe(121);
    expect(after.tsMs - before.tsMs).toBeGreaterThan(120_000);
  });

  test('replay: earlier payloads re-sent byte for byte between the device’s own messages', () => {
    const { clean, faulty, labelled } = run('replay', 30_000);
    expect(labelled).toHaveLength(30);
    expect(faulty).toHaveLength(clean.length + 30);
    const sent = new Map<string, number>();
    for (const m of faulty) {
      if (m.label === null) {
        sent.set(m.payload, m.receivedAt);
        continue;
      }
      const original = sent.get(m.payload);
      expect(original).toBeDefined();
      // Recorded at least a minute before it is played back.
      expect(m.receivedAt - (original as number)).toBeGreaterThan(59_000);
    }
  });

  test('flood: 10-50 times the normal rate, every flooded message labelled', () => {
    for (const seed of [1, 2, 3]) {
      const { labelled } = run('flood', 10_000, 'sensor', seed);
      expect(labelled.length).toBeGreaterThanOrEqual(100);
      expect(labelled.length).toBeLessThanOrEqual(501);
      const seqs = labelled.map((m) => parsePayload(m.payload).seq).sort((a, b) => a - b);
      expect(new Set(seqs).size).toBe(seqs.length);
    }
  });

  test('spoof: the payload claims another identity than the topic', () => {
    const variants = new Set<string>();
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const kind = seed % 2 === 0 ? 'drone' : 'sensor';
      const { clean, labelled } = run('spoof', 20_000, kind, seed);
      const boot = parsePayload(clean[0]?.payload as string).boot;
      expect(labelled).toHaveLength(20);
      for (const m of labelled) {
        expect(m.topic).toBe(`devices/${kind}-001/telemetry`);
        const parsed = parsePayload(m.payload);
        const claimed = parsed.extra.device_id ?? parsed.extra.drone_id;
        if (claimed !== undefined) {
          expect(claimed).not.toBe(m.deviceId);
          variants.add('claim');
        } else {
          expect(parsed.boot).not.toBe(boot);
          variants.add('impostor');
        }
      }
    }
    expect([...variants].sort()).toEqual(['claim', 'impostor']);
  });
});
