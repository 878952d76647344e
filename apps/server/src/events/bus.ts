/**
 * The in-process event bus: modules publish facts after they are durable (ingest after commit),
 * the API streams them to dashboards. Every event gets a monotonically increasing id and the
 * most recent ones stay in a bounded ring, so an SSE client that reconnects with its last event
 * id receives what it missed instead of a gap.
 */
import type { CommandView } from '../commands/store';

export type VigilEvent =
  | {
      type: 'telemetry';
      deviceId: string;
      /** Reading time, epoch milliseconds. */
      ts: number;
      metrics: Record<string, number | boolean>;
    }
  | { type: 'device_registered'; deviceId: string }
  /** A device went online or offline (state message, Last Will, or silence). */
  | { type: 'device_state'; deviceId: string; online: boolean }
  /** A command was created or changed status. */
  | { type: 'command'; deviceId: string; command: CommandView }
  /** The detector stored an anomaly (ids are strings: bigint row ids). */
  | {
      type: 'anomaly';
      anomalyId: string;
      deviceId: string;
      /** Time of the reading, epoch milliseconds. */
      ts: number;
      anomalyType: string;
      severity: 'low' | 'medium' | 'high' | 'critical';
      score: number;
    }
  /** An operator acknowledged an anomaly. */
  | { type: 'anomaly_acknowledged'; anomalyId: string; deviceId: string }
  /** An anomaly's evidence was anchored on chain. */
  | { type: 'evidence'; anomalyId: string; deviceId: string; evidence: AnchoredEvidence };

/** Where an anomaly's evidence landed on chain. */
export type AnchoredEvidence = {
  status: 'anchored';
  /** The contract's batch id. */
  batchId: string;
  root: string;
  txHash: string;
  blockNumber: number;
};

// A Record, so adding a variant to VigilEvent without listing it here fails to compile.
const EVENT_TYPE_FLAGS: Record<VigilEvent['type'], true> = {
  telemetry: true,
  device_registered: true,
  device_state: true,
  command: true,
  anomaly: true,
  anomaly_acknowledged: true,
  evidence: true,
};
/** Every event type, for filters at the edges. */
export const EVENT_TYPES = Object.keys(EVENT_TYPE_FLAGS) as [
  VigilEvent['type'],
  ...VigilEvent['type'][],
];

export type BusEntry = { id: number; event: VigilEvent };

export type EventBus = {
  /** Delivers the event to every subscriber synchronously and returns its id. */
  publish(event: VigilEvent): number;
  /** Calls `fn` for every event published from now on; returns the unsubscribe function. */
  subscribe(fn: (event: VigilEvent, id: number) => void): () => void;
  /**
   * Events with an id greater than `afterId` still held in the ring, oldest first. `complete`
   * is false when some were already evicted, so the caller knows the replay has a hole.
   */
  since(afterId: number): { entries: BusEntry[]; complete: boolean };
  /** The id of the latest published event (`startAfter` before the first). */
  lastId(): number;
};

export type EventBusOptions = {
  /** How many recent events are kept for resuming clients (default 10,000). */
  historySize?: number;
  /**
   * The id before the first event. The default, epoch milliseconds x 1000, keeps ids growing
   * across restarts, so a client resuming with an id from an earlier run is told its replay is
   * incomplete instead of silently skipping the new run's first events.
   */
  startAfter?: number;
  /** Called when a subscriber throws; the other subscribers still get the event. */
  onSubscriberError?: (error: unknown) => void;
};

/** Creates an event bus; the first event's id is `startAfter + 1`. */
export function createEventBus(options: EventBusOptions = {}): EventBus {
  const historySize = options.historySize ?? 10_000;
  const first = (options.startAfter ?? Date.now() * 1000) + 1;
  if (!Number.isInteger(historySize) || historySize < 1) {
    throw new RangeError('historySize must be a positive integer');
  }
  const ring: (BusEntry | undefined)[] = new Array(historySize);
  const subscribers = new Set<(event: VigilEvent, id: number) => void>();
  let last = first - 1;

  return {
    publish(event) {
      last += 1;
      ring[last % historySize] = { id: last, event };
      for (const fn of subscribers) {
        try {
          fn(event, last);
        } catch (error) {
          options.onSubscriberError?.(error);
        }
      }
      return last;
    },
    subscribe(fn) {
      // A wrapper makes the same function subscribable twice with independent unsubscribes.
      const entry = (event: VigilEvent, id: number) => fn(event, id);
      subscribers.add(entry);
      return () => {
        subscribers.delete(entry);
      };
    },
    since(afterId) {
      const oldest = Math.max(first, last - historySize + 1);
      const from = Math.max(afterId + 1, oldest);
      const entries: BusEntry[] = [];
      for (let id = from; id <= last; id += 1) {
        const entry = ring[id % historySize];
        if (entry !== undefined) entries.push(entry);
      }
      return { entries, complete: afterId + 1 >= oldest };
    },
    lastId: () => last,
  };
}
