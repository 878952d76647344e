/**
 * Command ids: 26 characters of Crockford base32, a 48-bit millisecond timestamp then 80 random
 * bits (the ULID layout). They sort by creation time as plain text, so "newest first" and
 * pagination need no second column, and they fit the protocol's 64-character id limit.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Builds a new command id for time `nowMs`. */
export function newCommandId(nowMs = Date.now()): string {
  if (!Number.isInteger(nowMs) || nowMs < 0 || nowMs > 2 ** 48 - 1) {
    throw new RangeError(`time ${nowMs} does not fit 48 bits`);
  }
  let time = '';
  let t = nowMs;
  for (let i = 0; i < 10; i += 1) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const random = crypto.getRandomValues(new Uint8Array(16));
  let tail = '';
  for (const byte of random) tail += ALPHABET[byte % 32];
  return time + tail;
}

/** The creation time encoded in a command id. */
export function commandIdTime(id: string): number {
  let t = 0;
  for (const char of id.slice(0, 10)) {
    const digit = ALPHABET.indexOf(char);
    if (digit < 0) throw new RangeError(`'${id}' is not a command id`);
    t = t * 32 + digit;
  }
  return t;
}
