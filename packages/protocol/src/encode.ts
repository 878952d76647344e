import type { Command, Telemetry } from './schemas';

/** Serialises a telemetry message as devices send it (only the four v1 fields, in v1 order). */
export function encodeTelemetry(telemetry: Telemetry): string {
  return JSON.stringify({
    ts: telemetry.ts,
    boot: telemetry.boot,
    seq: telemetry.seq,
    metrics: telemetry.metrics,
  });
}

/** Serialises a command as the server sends it (only the four v1 fields). */
export function encodeCommand(command: Command): string {
  return JSON.stringify({
    id: command.id,
    name: command.name,
    params: command.params,
    expiresAt: command.expiresAt,
  });
}
