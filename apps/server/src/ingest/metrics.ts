/** Prometheus instruments of the ingest path, registered once on the server's registry. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type IngestMetrics = {
  received: Counter;
  stored: Counter;
  duplicate: Counter;
  rejected: Counter<'reason'>;
  batchSize: Histogram;
  flushSeconds: Histogram;
  publishToCommitSeconds: Histogram;
  adoptions: Counter;
  adopted: Gauge;
};

/** Creates the ingest instruments on `registry` (GET /metrics exposes them). */
export function createIngestMetrics(registry: Registry): IngestMetrics {
  const registers = [registry];
  return {
    received: new Counter({
      name: 'vigil_messages_received_total',
      help: 'MQTT messages received by ingest, valid or not (redeliveries included)',
      registers,
    }),
    stored: new Counter({
      name: 'vigil_messages_stored_total',
      help: 'Telemetry rows inserted (committed)',
      registers,
    }),
    duplicate: new Counter({
      name: 'vigil_messages_duplicate_total',
      help: 'Valid messages already stored (redeliveries), skipped by the unique key',
      registers,
    }),
    rejected: new Counter({
      name: 'vigil_messages_rejected_total',
      help: 'Messages dead-lettered, by reason',
      labelNames: ['reason'],
      registers,
    }),
    batchSize: new Histogram({
      name: 'vigil_ingest_batch_size',
      help: 'Messages per committed flush',
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
      registers,
    }),
    flushSeconds: new Histogram({
      name: 'vigil_ingest_flush_seconds',
      help: 'Duration of one flush transaction, including retries',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
      registers,
    }),
    publishToCommitSeconds: new Histogram({
      name: 'vigil_publish_to_commit_seconds',
      help: "From the reading's own timestamp (device clock) to the commit that stored it",
      buckets: [
        0.002, 0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.06, 0.075, 0.1, 0.15, 0.2, 0.3,
        0.5, 0.75, 1, 2, 5, 10, 30, 60,
      ],
      registers,
    }),
    adoptions: new Counter({
      name: 'vigil_ingest_adoptions_total',
      help: "Orphaned broker sessions (a dead or stopped replica's) this replica adopted",
      registers,
    }),
    adopted: new Gauge({
      name: 'vigil_ingest_adopted_sessions',
      help: 'Orphaned broker sessions this replica holds now',
      registers,
    }),
  };
}
