/** Prometheus instruments of remote control, registered once on the server's registry. */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { CommandRow } from './schema';

const FINAL = new Set(['done', 'rejected', 'failed', 'expired']);

export type CommandMetrics = {
  /** Counts a command that reached a final status, and its round trip when the device answered. */
  recordOutcome(row: CommandRow): void;
  /** Counts an acknowledgement that could not be decoded. */
  invalidAck(): void;
};

/** Creates the command instruments on `registry` (GET /metrics exposes them). */
export function createCommandMetrics(registry: Registry): CommandMetrics {
  const registers = [registry];
  const outcomes = new Counter({
    name: 'vigil_commands_total',
    help: 'Commands that reached a final status, by command and status',
    labelNames: ['name', 'status'],
    registers,
  });
  const roundTrip = new Histogram({
    name: 'vigil_command_round_trip_seconds',
    help: 'From storing a command to the device reporting its outcome',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers,
  });
  const invalid = new Counter({
    name: 'vigil_command_acks_invalid_total',
    help: 'cmd/ack messages refused by the protocol decoder',
    registers,
  });
  return {
    recordOutcome(row) {
      if (!FINAL.has(row.status)) return;
      outcomes.inc({ name: row.name, status: row.status });
      if (row.status !== 'expired' && row.ackedAt !== null) {
        roundTrip.observe((row.ackedAt.getTime() - row.createdAt.getTime()) / 1000);
      }
    },
    invalidAck: () => invalid.inc(),
  };
}
