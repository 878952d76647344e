/**
 * For tests that run the server as it ships (`bun src/main.ts`) in a child process: its path, an
 * environment holding only the Vigil variables a test sets, and a poll for a value.
 */
import { join } from 'node:path';

export const SERVER_MAIN = join(import.meta.dir, '../../src/main.ts');

/** Every variable the server reads starts with one of these. */
const VIGIL_VARIABLES =
  /^(PORT|HOST|DATA_DIR|DATABASE_URL|MQTT_|INGEST_|LEGACY_|UNKNOWN_DEVICES|LOG_LEVEL|ADMIN_|TLS_|BROKER_ACCESS|SECURE_COOKIES|DEVICE_OFFLINE|MODEL_|DETECTION_|CHAIN_|EVIDENCE_)/;

/** The parent's environment without any Vigil variable, plus `vars`. */
export function serverEnv(vars: Record<string, string>): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !VIGIL_VARIABLES.test(key)) clean[key] = value;
  }
  return { ...clean, ...vars };
}

/** Polls `probe` until it returns a value (errors count as none), or fails after `timeoutMs`. */
export async function eventuallyValue<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await Bun.sleep(100);
  }
}
