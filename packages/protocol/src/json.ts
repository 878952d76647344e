import { LIMITS } from './limits';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export type ParsedJson =
  | { ok: true; value: unknown }
  | { ok: false; reason: 'oversize' | 'bad_utf8' | 'bad_json'; detail: string };

/** Size check, strict UTF-8, JSON.parse and a nesting-depth guard; never throws. */
export function parseJsonPayload(payload: Uint8Array): ParsedJson {
  // Before decoding anything, so an oversize payload costs nothing but this comparison.
  if (payload.byteLength > LIMITS.maxPayloadBytes) {
    return {
      ok: false,
      reason: 'oversize',
      detail: `payload is ${payload.byteLength} bytes (limit ${LIMITS.maxPayloadBytes})`,
    };
  }
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    return { ok: false, reason: 'bad_utf8', detail: 'payload is not valid UTF-8' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: 'bad_json', detail: `invalid JSON: ${(error as Error).message}` };
  }
  const depth = jsonDepth(value);
  if (depth > LIMITS.maxJsonDepth) {
    return {
      ok: false,
      reason: 'bad_json',
      detail: `JSON nested ${depth} levels deep (limit ${LIMITS.maxJsonDepth})`,
    };
  }
  return { ok: true, value };
}

/**
 * Nesting depth of a parsed JSON value: a scalar is 0, `{}` and `[]` are 1, `{"a":[1]}` is 2.
 * Stops descending one level past LIMITS.maxJsonDepth, so the recursion stays shallow whatever
 * the input and the answer is exact up to the limit and "limit + 1" beyond it.
 */
export function jsonDepth(value: unknown): number {
  return depthBelow(value, 0);
}

function depthBelow(node: unknown, level: number): number {
  if (node === null || typeof node !== 'object') return level;
  const inner = level + 1;
  if (inner > LIMITS.maxJsonDepth) return inner;
  let max = inner;
  if (Array.isArray(node)) {
    for (const child of node) {
      const depth = depthBelow(child, inner);
      if (depth > max) max = depth;
      if (max > LIMITS.maxJsonDepth) return max;
    }
    return max;
  }
  const record = node as Record<string, unknown>;
  for (const key in record) {
    const depth = depthBelow(record[key], inner);
    if (depth > max) max = depth;
    if (max > LIMITS.maxJsonDepth) return max;
  }
  return max;
}
