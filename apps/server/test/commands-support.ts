/**
 * The command module as main.ts starts it, on a real broker and database, with a live simulated
 * device from apps/simulator on the other side.
 */
import { type RunningFleet, startFleet } from '@vigil/simulator';
import { Registry } from 'prom-client';
import { type Commands, startCommands } from '../src/commands';
import type { CommandView } from '../src/commands/store';
import { createEventBus, type EventBus } from '../src/events/bus';
import { createLogger } from '../src/log';
import type { Database } from '../src/telemetry/database';

export const FINAL = new Set(['done', 'rejected', 'failed', 'expired']);

export type CommandsHarness = {
  commands: Commands;
  bus: EventBus;
  metrics: Registry;
  /** Every 'command' event, in order. */
  events: CommandView[];
  logLines: string[];
};

/** Starts the command module with a fast sweeper under a stable client id. */
export async function runCommands(
  database: Database,
  url: string,
  clientId: string,
): Promise<CommandsHarness> {
  const bus = createEventBus({ startAfter: 0 });
  const events: CommandView[] = [];
  bus.subscribe((event) => {
    if (event.type === 'command') events.push(event.command);
  });
  const logLines: string[] = [];
  const metrics = new Registry();
  const commands = await startCommands({
    database,
    bus,
    metrics,
    log: createLogger('debug', (line) => logLines.push(line)),
    mqtt: { url, clientId, topicRoot: 'devices' },
    tuning: { sweepIntervalMs: 50, acceptedGraceMs: 1_000 },
  });
  if (!commands.link.connected()) throw new Error(`command link down:\n${logLines.join('')}`);
  return { commands, bus, metrics, events, logLines };
}

/** One simulated sensor `<prefix>sensor-001`, reporting every `intervalMs`. */
export function startDevice(url: string, prefix: string, intervalMs = 500): Promise<RunningFleet> {
  return startFleet({ url, sensors: 1, drones: 0, intervalMs, faultRate: 0, idPrefix: prefix });
}

/** Resolves with the command once an event shows it in a final status (or one of `statuses`). */
export function waitForStatus(
  harness: CommandsHarness,
  id: string,
  statuses: ReadonlySet<string> = FINAL,
  timeoutMs = 5_000,
): Promise<CommandView> {
  const seen = harness.events.find((c) => c.id === id && statuses.has(c.status));
  if (seen !== undefined) return Promise.resolve(seen);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      const history = harness.events.filter((c) => c.id === id).map((c) => c.status);
      reject(new Error(`command ${id} not in ${[...statuses]} after ${timeoutMs} ms: ${history}`));
    }, timeoutMs);
    const stop = harness.bus.subscribe((event) => {
      if (
        event.type === 'command' &&
        event.command.id === id &&
        statuses.has(event.command.status)
      ) {
        clearTimeout(timer);
        stop();
        resolve(event.command);
      }
    });
  });
}

/** p-th percentile (nearest rank) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}
