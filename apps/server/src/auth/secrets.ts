/**
 * Random secrets and their stored forms. Passwords and device secrets are hashed with argon2id
 * (slow on purpose: a leaked table must not yield them). Session ids, API tokens and claim codes
 * are 256-bit random values, so a single SHA-256 is enough to keep the stored form useless to a
 * thief while allowing a direct indexed lookup.
 */
import { createHash, randomBytes } from 'node:crypto';

/** A URL-safe random string carrying `bytes` bytes of entropy (default 32 = 256 bits). */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Hex SHA-256 of a high-entropy secret, used as its lookup key. */
export function sha256Hex(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** argon2id hash of a low-entropy or long-lived secret (password, device secret). */
export function hashPassword(password: string): Promise<string> {
  return Bun.password.hash(password, { algorithm: 'argon2id' });
}

/** Checks a secret against its argon2id hash; false for any mismatch or malformed hash. */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  try {
    return await Bun.password.verify(password, hash);
  } catch {
    return false;
  }
}
