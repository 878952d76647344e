import type { Command, Telemetry } from './schemas';

/** Serialises a telemetry message as devices send it. */
export function encodeTelemetry(telemetry: Telemetry): string {
  return JSON.stringify({
    ts: telemetry.ts,
    boot: telemetry.boot,
    seq: telemetry.seq,
    metrics: telemetry.metrics,
  });
}

/** Serialises a command as the server sends it. */
export function encodeCommand(command: Command): string {
  return JSON.stringify(command);
}
