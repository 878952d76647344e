/**
 * Property-based malformed telemetry (fast-check): every kind of payload a broken or hostile
 * device sends — bad JSON, NaN/Infinity literals, deep nesting, oversize, invalid UTF-8, wrong
 * types, skewed clocks. Each value is built from a valid payload so it fails for exactly its kind.
 */
import { LIMITS } from '@vigil/protocol';
import fc from 'fast-check';

export type MalformedKind =
  | 'bad_json'
  | 'nan_infinity'
  | 'deep_nesting'
  | 'oversize'
  | 'invalid_utf8'
  | 'wrong_type'
  | 'skewed_clock';

export type Malformed = { kind: MalformedKind; payload: Uint8Array };

const utf8 = (text: string) => new TextEncoder().encode(text);
const tagged = (kind: MalformedKind, arbitrary: fc.Arbitrary<string | Uint8Array>) =>
  arbitrary.map(
    (value): Malformed => ({
      kind,
      payload: typeof value === 'string' ? utf8(value) : value,
    }),
  );

const seq = fc.integer({ min: 1, max: 1_000_000 });
const DAY = 86_400_000;

/** Every kind with equal weight; `now` is the receive time the payloads are built around. */
export function malformedPayload(now: number): fc.Arbitrary<Malformed> {
  const valid = (n: number, ts: unknown = now) =>
    `{"ts":${JSON.stringify(ts)},"boot":7,"seq":${n},"metrics":{"temperature":21.5}}`;

  const badJson = fc.oneof(
    // A valid payload cut short anywhere before its end.
    fc.tuple(seq, fc.nat()).map(([n, cut]) => valid(n).slice(0, cut % valid(n).length)),
    fc.string({ minLength: 1, maxLength: 200 }).filter((text) => {
      try {
        JSON.parse(text);
        return false;
      } catch {
        return true;
      }
    }),
    seq.map((n) => valid(n).replace('"metrics"', 'metrics')),
  );

  const nanInfinity = fc
    .tuple(seq, fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e999', '-1e400'))
    .map(([n, literal]) => valid(n).replace('21.5', literal));

  const deepNesting = fc
    .tuple(seq, fc.integer({ min: LIMITS.maxJsonDepth + 1, max: 500 }), fc.boolean())
    .map(([n, depth, arrays]) => {
      const open = arrays ? '['.repeat(depth) : '{"a":'.repeat(depth);
      const close = arrays ? ']'.repeat(depth) : '}'.repeat(depth);
      return valid(n).replace('21.5', `${open}1${close}`);
    });

  const oversize = fc
    .tuple(seq, fc.integer({ min: LIMITS.maxPayloadBytes + 1, max: 60_000 }))
    .map(([n, size]) => {
      const base = valid(n);
      return base.replace(
        '"metrics"',
        `"pad":"${'x'.repeat(Math.max(0, size - base.length))}","metrics"`,
      );
    });

  const invalidUtf8 = fc
    .tuple(seq, fc.constantFrom([0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80]))
    .map(([n, bytes]) => {
      const [head, tail] = valid(n).split('temperature') as [string, string];
      return new Uint8Array([...utf8(`${head}temp`), ...bytes, ...utf8(`erature${tail}`)]);
    });

  const wrongType = fc
    .tuple(
      seq,
      fc.constantFrom(
        ['"ts":', '"ts":true,"x":'],
        ['"ts":', '"ts":null,"x":'],
        ['"boot":7', '"boot":"7"'],
        ['"boot":7', '"boot":-1'],
        ['"seq":', '"seq":"1","x":'],
        ['"seq":', '"seq":1.5,"x":'],
        ['{"temperature":21.5}', '[21.5]'],
        ['{"temperature":21.5}', 'null'],
        ['21.5', '"warm"'],
        ['21.5', '{"c":21.5}'],
      ),
    )
    .map(([n, [from, to]]) => valid(n).replace(from, to));

  const skewedClock = fc
    .tuple(
      seq,
      fc.oneof(
        fc.integer({ min: LIMITS.maxFutureSkewMs + 60_000, max: 3650 * DAY }),
        fc.integer({ min: -3650 * DAY, max: -(LIMITS.maxPastSkewMs + 3_600_000) }),
      ),
      fc.boolean(),
    )
    .map(([n, offset, rfc3339]) => {
      const at = now + offset;
      return valid(n, rfc3339 ? new Date(at).toISOString() : at);
    });

  return fc.oneof(
    tagged('bad_json', badJson),
    tagged('nan_infinity', nanInfinity),
    tagged('deep_nesting', deepNesting),
    tagged('oversize', oversize),
    tagged('invalid_utf8', invalidUtf8),
    tagged('wrong_type', wrongType),
    tagged('skewed_clock', skewedClock),
  );
}

/** `count` malformed payloads, reproducible from `seed`. */
export function generateMalformed(count: number, seed: number, now = Date.now()): Malformed[] {
  return fc.sample(malformedPayload(now), { numRuns: count, seed });
}
