/** Typed readers for single environment variables; each failure names the variable. */

export type Env = Record<string, string | undefined>;

/** A configuration value the server cannot run with. `variable` names the culprit. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly expected: string,
  ) {
    super(`${variable}: expected ${expected}`);
    this.name = 'ConfigError';
  }
}

/** The trimmed value, or undefined when unset or empty (an empty line in a .env file means unset). */
export function readString(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** A decimal integer within [min, max], or the default when unset. */
export function readInteger(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = readString(env, name);
  if (raw === undefined) return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `an integer from ${min} to ${max}, got '${raw}'`);
  }
  return value;
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

/** true/false (also 1/0, yes/no, on/off, any case), or the default when unset. */
export function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = readString(env, name);
  if (raw === undefined) return fallback;
  const word = raw.toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw new ConfigError(name, `true or false, got '${raw}'`);
}

/** One of the allowed words, or the default when unset. */
export function readEnum<const T extends string>(
  env: Env,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const raw = readString(env, name);
  if (raw === undefined) return fallback;
  const match = allowed.find((word) => word === raw.toLowerCase());
  if (match === undefined)
    throw new ConfigError(name, `one of ${allowed.join(', ')}, got '${raw}'`);
  return match;
}

/**
 * An absolute URL with one of the given schemes (e.g. 'mqtt:'), or undefined when unset. The value
 * itself never appears in the error: it may carry a password.
 */
export function readUrl(
  env: Env,
  name: string,
  schemes: readonly string[],
  { hostRequired = true } = {},
): string | undefined {
  const raw = readString(env, name);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `a URL like ${schemes[0]}//host:port, got an unparsable value`);
  }
  if (!schemes.includes(url.protocol) || (hostRequired && url.hostname === '')) {
    throw new ConfigError(
      name,
      `a URL with a host and scheme ${schemes.map((s) => `${s}//`).join(' or ')}`,
    );
  }
  return raw;
}
