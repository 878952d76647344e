import { expect, test } from 'bun:test';
import { jsonDepth, parseJsonPayload } from './json';
import { LIMITS } from './limits';

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const bytes = (text: string) => new TextEncoder().encode(text);

test('jsonDepth counts objects and arrays, not scalars', () => {
  expect(jsonDepth(1)).toBe(0);
  expect(jsonDepth(null)).toBe(0);
  expect(jsonDepth({})).toBe(1);
  expect(jsonDepth({ a: [1, { b: 2 }] })).toBe(3);
  expect(jsonDepth([[], [[[]]], []])).toBe(4);
});

test('maxJsonDepth: exactly at the limit passes, one deeper fails', () => {
  expect(parseJsonPayload(bytes(nested(LIMITS.maxJsonDepth)))).toEqual({
    ok: true,
    value: JSON.parse(nested(LIMITS.maxJsonDepth)),
  });
  expect(parseJsonPayload(bytes(nested(LIMITS.maxJsonDepth + 1)))).toEqual({
    ok: false,
    reason: 'bad_json',
    detail: `JSON nested ${LIMITS.maxJsonDepth + 1} levels deep (limit ${LIMITS.maxJsonDepth})`,
  });
});

test('a payload nested as deep as its size allows is refused without exhausting the stack', () => {
  const deep = `${'[{"a":'.repeat(340)}1${'}]'.repeat(340)}`;
  expect(deep.length).toBeLessThanOrEqual(LIMITS.maxPayloadBytes);
  expect(parseJsonPayload(bytes(deep))).toMatchObject({ ok: false, reason: 'bad_json' });
});

test('the order of checks: size, then UTF-8, then JSON', () => {
  const oversizeAndBroken = new Uint8Array(LIMITS.maxPayloadBytes + 1).fill(0xff);
  expect(parseJsonPayload(oversizeAndBroken)).toMatchObject({ reason: 'oversize' });
  expect(parseJsonPayload(new Uint8Array([0x22, 0xff, 0x22]))).toMatchObject({
    reason: 'bad_utf8',
  });
  expect(parseJsonPayload(bytes('{"a":1,}'))).toMatchObject({
    reason: 'bad_json',
    detail: expect.stringMatching(/^invalid JSON: /),
  });
  expect(parseJsonPayload(bytes(''))).toMatchObject({ reason: 'bad_json' });
  expect(parseJsonPayload(bytes('NaN'))).toMatchObject({ reason: 'bad_json' });
});
