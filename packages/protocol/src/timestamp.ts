import { LIMITS } from './limits';
import { RFC3339_PATTERN } from './schemas';

const rfc3339 = new RegExp(RFC3339_PATTERN);

export type TimestampCheck = { ok: true; tsMs: number } | { ok: false; detail: string };

/** Converts a v1 `ts` (RFC 3339 or epoch ms) to epoch ms; null when it is not a valid instant. */
export function timestampMs(ts: string | number): number | null {
  if (typeof ts === 'number') return Number.isSafeInteger(ts) && ts >= 0 ? ts : null;
  if (!rfc3339.test(ts)) return null;
  const ms = Date.parse(ts);
  return Number.isFinite(ms) ? ms : null;
}

/** Checks `tsMs` against the receive time with the protocol's skew limits. */
export function checkSkew(tsMs: number, receivedAt: number): TimestampCheck {
  const ahead = tsMs - receivedAt;
  if (ahead > LIMITS.maxFutureSkewMs) {
    return {
      ok: false,
      detail: `ts ${new Date(tsMs).toISOString()} is ${describe(ahead)} ahead of receive time (limit ${describe(LIMITS.maxFutureSkewMs)})`,
    };
  }
  if (-ahead > LIMITS.maxPastSkewMs) {
    const hint = tsMs < 1e11 ? '; it looks like epoch seconds, v1 expects milliseconds' : '';
    return {
      ok: false,
      detail: `ts ${new Date(tsMs).toISOString()} is ${describe(-ahead)} behind receive time (limit ${describe(LIMITS.maxPastSkewMs)})${hint}`,
    };
  }
  return { ok: true, tsMs };
}

function describe(ms: number): string {
  const minutes = ms / 60_000;
  if (minutes < 120) return `${Math.round(minutes * 10) / 10} min`;
  const hours = minutes / 60;
  if (hours < 72) return `${Math.round(hours * 10) / 10} h`;
  const days = hours / 24;
  return days < 730
    ? `${Math.round(days * 10) / 10} days`
    : `${Math.round((days / 365.25) * 10) / 10} years`;
}
