/**
 * Structured logging: one JSON object per line on stdout, so journald, Docker and log shippers
 * read it without a parser of their own.
 */
import type { LogLevel } from './config';

export type LogFields = Record<string, unknown>;

export type Logger = {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. `{ module: 'ingest' }`). */
  child(fields: LogFields): Logger;
};

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * Writes to stdout, and keeps the server running when whatever reads its logs goes away: a closed
 * pipe (EPIPE) drops the lines rather than crashing ingest mid-batch.
 */
let stdoutClosed = false;
const isClosedPipe = (error: unknown) =>
  (error as { code?: string } | null)?.code === 'EPIPE' ||
  (error as { code?: string } | null)?.code === 'ERR_STREAM_DESTROYED';
process.stdout.on('error', (error) => {
  if (isClosedPipe(error)) stdoutClosed = true;
});
function writeStdout(line: string): void {
  if (stdoutClosed) return;
  try {
    process.stdout.write(line);
  } catch (error) {
    if (isClosedPipe(error)) stdoutClosed = true;
  }
}

/** Creates a logger that writes entries at `level` and above; `write` is for tests. */
export function createLogger(
  level: LogLevel,
  write: (line: string) => void = writeStdout,
  bound: LogFields = {},
): Logger {
  const min = RANK[level];
  const emit = (entryLevel: LogLevel, msg: string, fields?: LogFields) => {
    if (RANK[entryLevel] < min) return;
    const entry = { time: new Date().toISOString(), level: entryLevel, msg, ...bound, ...fields };
    write(`${JSON.stringify(entry, errorsAsObjects)}\n`);
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    child: (fields) => createLogger(level, write, { ...bound, ...fields }),
  };
}

/** JSON.stringify drops an Error's own fields (they are not enumerable); keep what helps. */
function errorsAsObjects(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    return { name: value.name, message: value.message, stack: value.stack };
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}
