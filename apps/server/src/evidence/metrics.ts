/** Prometheus metrics of evidence anchoring. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type EvidenceMetrics = ReturnType<typeof createEvidenceMetrics>;

/** Registers the evidence metrics on `registry`; the backlog gauge is read at scrape time. */
export function createEvidenceMetrics(
  registry: Registry,
  backlog: () => Promise<{ leaves: number }>,
) {
  return {
    batches: new Counter({
      name: 'vigil_evidence_batches_total',
      help: 'Evidence batches anchored on chain',
      registers: [registry],
    }),
    leaves: new Counter({
      name: 'vigil_evidence_leaves_anchored_total',
      help: 'Anomaly leaves anchored on chain',
      registers: [registry],
    }),
    errors: new Counter({
      name: 'vigil_evidence_anchor_errors_total',
      help: 'Anchoring attempts that failed (chain unreachable, reverted); retried',
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: 'vigil_evidence_batch_size',
      help: 'Leaves per anchored batch',
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2000, 5000],
      registers: [registry],
    }),
    confirmSeconds: new Histogram({
      name: 'vigil_evidence_confirm_seconds',
      help: 'From a batch being planned to its receipt being recorded',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    backlog: new Gauge({
      name: 'vigil_evidence_backlog_leaves',
      help: 'Anomaly leaves waiting to be anchored',
      registers: [registry],
      async collect() {
        this.set((await backlog()).leaves);
      },
    }),
  };
}
