import type { Metrics } from '../src/types';

/** A v1 telemetry payload as tests inspect it, with any extra identity fields kept. */
export type ParsedPayload = {
  tsMs: number;
  boot: number;
  seq: number;
  metrics: Metrics;
  extra: Record<string, unknown>;
};

/** Parses a v1 payload the simulator produced (tests only: the server decodes with @vigil/protocol). */
export function parsePayload(payload: string): ParsedPayload {
  const { ts, boot, seq, metrics, ...extra } = JSON.parse(payload) as {
    ts: string | number;
    boot: number;
    seq: number;
    metrics: Metrics;
  };
  return { tsMs: typeof ts === 'number' ? ts : Date.parse(ts), boot, seq, metrics, extra };
}

/** A numeric metric, failing loudly when it is missing or not a number. */
export function num(metrics: Metrics, name: string): number {
  const value = metrics[name];
  if (typeof value !== 'number') throw new Error(`metric ${name} is ${String(value)}`);
  return value;
}
