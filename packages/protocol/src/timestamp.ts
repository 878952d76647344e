import { LIMITS } from './limits';

/**
 * RFC 3339 date-time: `T`, `t` or a space between date and time, optional fraction of up to
 * nine digits, `Z` or a numeric offset. Date.parse alone is too lenient (it rolls 2026-02-30
 * over to March 2 and accepts 24:00:00), so the fields are checked one by one.
 */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
/** The same without a zone: only legacy adapters accept it (read as UTC). */
const NAIVE_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

export type ParsedInstant = { ok: true; tsMs: number } | { ok: false; detail: string };

/** Converts a v1 `ts` (RFC 3339 or epoch ms) to epoch ms; null when it is not a valid instant. */
export function timestampMs(ts: string | number): number | null {
  const parsed = parseTimestamp(ts);
  return parsed.ok ? parsed.tsMs : null;
}

/**
 * Parses a v1 `ts`: an integer epoch-milliseconds value, or RFC 3339 text with a real calendar
 * date and time. The failure detail says which part is wrong. `naiveAsUtc` also accepts text
 * without a zone as UTC (legacy systems only: v1 requires the zone).
 */
export function parseTimestamp(
  ts: string | number,
  options: { naiveAsUtc?: boolean } = {},
): ParsedInstant {
  if (typeof ts === 'number') {
    return Number.isSafeInteger(ts) && ts >= 0
      ? { ok: true, tsMs: ts }
      : { ok: false, detail: `ts ${ts}: expected a non-negative integer of epoch milliseconds` };
  }
  const m = RFC3339.exec(ts) ?? (options.naiveAsUtc ? NAIVE_DATE_TIME.exec(ts) : null);
  if (m === null) {
    return {
      ok: false,
      detail: `ts ${JSON.stringify(ts)}: expected RFC 3339 such as 2026-11-23T12:00:00.250Z`,
    };
  }
  // Groups 1-6 always hold digits, so Number() of them is exact.
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  const problem = calendarProblem(year, month, day, hour, minute, second);
  if (problem !== null) return { ok: false, detail: `ts ${JSON.stringify(ts)}: ${problem}` };
  let offsetMinutes = 0;
  const sign = m[9];
  if (sign !== undefined) {
    const offsetHours = Number(m[10]);
    const offsetMins = Number(m[11]);
    if (offsetHours > 23 || offsetMins > 59) {
      return {
        ok: false,
        detail: `ts ${JSON.stringify(ts)}: offset ${sign}${m[10]}:${m[11]} out of range`,
      };
    }
    offsetMinutes = (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const fraction = m[7];
  // Precision beyond milliseconds is truncated: storage and dedup work in epoch ms.
  const millis = fraction === undefined ? 0 : Number(fraction.padEnd(3, '0').slice(0, 3));
  const tsMs =
    daysFromCivil(year, month, day) * 86_400_000 +
    ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 +
    millis;
  return { ok: true, tsMs };
}

function calendarProblem(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): string | null {
  if (month < 1 || month > 12) return `month ${month} does not exist`;
  const days = daysInMonth(year, month);
  if (day < 1 || day > days) return `day ${day} does not exist in ${year}-${pad(month)}`;
  if (hour > 23) return `hour ${hour} out of range (00-23)`;
  if (minute > 59) return `minute ${minute} out of range (00-59)`;
  // A leap second (:60) is valid RFC 3339 but never needed: NTP clients smear or repeat :59.
  if (second > 59) return `second ${second} out of range (00-59)`;
  return null;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

const pad = (n: number) => String(n).padStart(2, '0');

export type SkewCheck = { ok: true; tsMs: number } | { ok: false; detail: string };

/** Checks `tsMs` against the receive time with the protocol's skew limits (both inclusive). */
export function checkSkew(tsMs: number, receivedAt: number): SkewCheck {
  const ahead = tsMs - receivedAt;
  if (ahead > LIMITS.maxFutureSkewMs) {
    return {
      ok: false,
      detail: `ts ${isoOrRaw(tsMs)} is ${describe(ahead)} ahead of receive time (limit ${describe(LIMITS.maxFutureSkewMs)})`,
    };
  }
  if (-ahead > LIMITS.maxPastSkewMs) {
    const hint = tsMs < 1e11 ? '; it looks like epoch seconds, v1 expects milliseconds' : '';
    return {
      ok: false,
      detail: `ts ${isoOrRaw(tsMs)} is ${describe(-ahead)} behind receive time (limit ${describe(LIMITS.maxPastSkewMs)})${hint}`,
    };
  }
  return { ok: true, tsMs };
}

/** ISO text without the milliseconds when they are zero, so details read like what was sent. */
function isoOrRaw(tsMs: number): string {
  const date = new Date(tsMs);
  if (Number.isNaN(date.getTime())) return String(tsMs);
  const iso = date.toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

/** A duration in the largest unit that keeps one decimal meaningful. */
function describe(ms: number): string {
  const minutes = ms / 60_000;
  if (minutes < 120) return `${round1(minutes)} min`;
  const hours = minutes / 60;
  if (hours < 72) return `${round1(hours)} h`;
  const days = hours / 24;
  return days < 730 ? `${round1(days)} days` : `${round1(days / 365.25)} years`;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
