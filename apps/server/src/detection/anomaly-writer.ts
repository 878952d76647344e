/**
 * Group commit for anomalies: one storing transaction at a time, and the anomalies of every batch
 * scored while it commits go into the next one. Scoring never waits for a commit, so a burst of
 * anomalies (a fleet under attack flags a share of every batch) cannot hold back scoring, and with
 * it the acknowledgements the ingest path waits for.
 */
import { readingKey } from '../telemetry/reading-key';
import type { Anomaly, NewAnomaly } from './schema';

/** Stores rows in one transaction and returns those stored (a reading already judged is skipped). */
export type StoreAnomalies = (rows: NewAnomaly[]) => Promise<Anomaly[]>;

/** Queues one batch's rows; resolves with the anomalies stored for them, in the order queued. */
export type AnomalyWriter = (rows: NewAnomaly[]) => Promise<Anomaly[]>;

type Waiting = {
  rows: NewAnomaly[];
  resolve: (stored: Anomaly[]) => void;
  reject: (error: unknown) => void;
};

/** The reading an anomaly is about, by its key in `readings`. */
function anomalyReading(
  a: Pick<NewAnomaly, 'deviceId' | 'readingTs' | 'readingBoot' | 'readingSeq'>,
): string {
  return readingKey(a.deviceId, a.readingTs.getTime(), a.readingBoot, a.readingSeq);
}

/** A writer over `store` (which retries on its own; a failure rejects every batch of the group). */
export function createAnomalyWriter(store: StoreAnomalies): AnomalyWriter {
  let waiting: Waiting[] = [];
  let writing = false;

  const drain = async () => {
    writing = true;
    while (waiting.length > 0) {
      const group = waiting;
      waiting = [];
      try {
        const stored = await store(group.flatMap((w) => w.rows));
        const byReading = new Map(stored.map((a) => [anomalyReading(a), a]));
        // Each stored anomaly goes back to the first batch that asked for it.
        for (const w of group) {
          const own: Anomaly[] = [];
          for (const row of w.rows) {
            const key = anomalyReading(row);
            const anomaly = byReading.get(key);
            if (anomaly === undefined) continue;
            byReading.delete(key);
            own.push(anomaly);
          }
          w.resolve(own);
        }
      } catch (error) {
        for (const w of group) w.reject(error);
      }
    }
    writing = false;
  };

  return (rows) => {
    if (rows.length === 0) return Promise.resolve([]);
    return new Promise<Anomaly[]>((resolve, reject) => {
      waiting.push({ rows, resolve, reject });
      if (!writing) void drain();
    });
  };
}
