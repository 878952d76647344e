import { LIMITS } from './limits';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export type ParsedJson =
  | { ok: true; value: unknown }
  | { ok: false; reason: 'oversize' | 'bad_utf8' | 'bad_json'; detail: string };

/** Size check, strict UTF-8, JSON.parse and a nesting-depth guard; never throws. */
export function parseJsonPayload(payload: Uint8Array): ParsedJson {
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

/** Nesting depth of a parsed JSON value (a scalar is 0, `{}` is 1), computed without recursion. */
export function jsonDepth(value: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const entry = stack.pop();
    if (entry === undefined) break;
    const [node, depth] = entry;
    if (node === null || typeof node !== 'object') continue;
    const level = depth + 1;
    if (level > max) max = level;
    if (level > LIMITS.maxJsonDepth) return level;
    for (const child of Array.isArray(node) ? node : Object.values(node))
      stack.push([child, level]);
  }
  return max;
}
