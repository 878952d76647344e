/**
 * What a scenario reports: the ledger figures, recovery and drain, the promises it checked, and
 * how the runner prints them (one block per scenario, one JSON object at the end).
 */
import type { Ledger } from './ledger';

export type Figures = Ledger & {
  /** Longest time from a fault ending (restart, SIGCONT) to the first newly stored row. */
  recoveryMs: number | null;
  /** Rows stored per second from the fault's end until the backlog was stored. */
  drainMsgPerSec: number | null;
  /** Scenario-specific figures (peak RSS, p99, per-replica counts...). */
  extra: Record<string, number | string>;
};

export type Claim = { claim: string; held: boolean; detail: string };

export type ScenarioResult = {
  name: string;
  figures: Figures;
  claims: Claim[];
  /** The scenario demonstrates a failure (e.g. Mosquitto's default queue): it must NOT hold. */
  expectFailure?: boolean;
};

/** A claim from a condition, with the figures that decided it. */
export function claim(text: string, held: boolean, detail: string): Claim {
  return { claim: text, held, detail };
}

/** True when the scenario broke a promise (or an expected failure did not happen). */
export function isBroken(result: ScenarioResult): boolean {
  const allHeld = result.claims.every((c) => c.held);
  return result.expectFailure === true ? allHeld : !allHeld;
}

const fmt = (value: number | null | string) =>
  value === null ? '-' : typeof value === 'number' ? String(Math.round(value * 10) / 10) : value;

/** Human-readable block for one scenario. */
export function formatResult(result: ScenarioResult): string {
  const f = result.figures;
  const verdict = isBroken(result)
    ? 'BROKEN'
    : result.expectFailure === true
      ? 'failed as expected'
      : 'held';
  const lines = [
    `== ${result.name}: ${verdict}`,
    `   offered ${f.offered}  broker-acked ${f.acked}  stored ${f.stored}  lost ${f.lost}  duplicated ${f.duplicated}`,
    `   detected gaps ${f.detectedGaps} (lost inside a gap ${f.lostDetected}/${f.lost})  recovery ${fmt(f.recoveryMs)} ms  drain ${fmt(f.drainMsgPerSec)} msg/s`,
  ];
  const extra = Object.entries(f.extra);
  if (extra.length > 0) lines.push(`   ${extra.map(([k, v]) => `${k} ${fmt(v)}`).join('  ')}`);
  for (const c of result.claims) lines.push(`   [${c.held ? 'ok' : 'NO'}] ${c.claim}: ${c.detail}`);
  return lines.join('\n');
}

/** The closing JSON line: figures and verdict per scenario. */
export function summaryLine(results: readonly ScenarioResult[]): string {
  const out: Record<string, unknown> = {};
  for (const r of results) {
    out[r.name] = { ...r.figures, broken: isBroken(r), expectFailure: r.expectFailure === true };
  }
  return JSON.stringify(out);
}
