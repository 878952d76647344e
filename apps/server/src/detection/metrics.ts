/** Prometheus metrics of anomaly detection. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type DetectionMetrics = ReturnType<typeof createDetectionMetrics>;

/** Registers the detection metrics on `registry`. */
export function createDetectionMetrics(registry: Registry) {
  return {
    scored: new Counter({
      name: 'vigil_readings_scored_total',
      help: 'Readings scored by the anomaly detector',
      registers: [registry],
    }),
    anomalies: new Counter({
      name: 'vigil_anomalies_total',
      help: 'Anomalies detected and stored, by type and severity',
      labelNames: ['type', 'severity'] as const,
      registers: [registry],
    }),
    failures: new Counter({
      name: 'vigil_detection_failures_total',
      help: 'Ingest batches whose scoring or anomaly storage failed',
      registers: [registry],
    }),
    queued: new Gauge({
      name: 'vigil_detection_queued_batches',
      help: 'Committed ingest batches not yet scored and their anomalies stored (both run behind the commit)',
      registers: [registry],
    }),
    batchSeconds: new Histogram({
      name: 'vigil_detection_batch_seconds',
      help: 'Scoring one committed ingest batch (one ONNX run) and storing its anomalies',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
  };
}
