/**
 * The process metrics every replica exposes on /metrics: prom-client's defaults (CPU, memory,
 * file descriptors, event-loop lag, GC, heap totals) without the per-space heap gauges. Bun
 * answers per-space heap statistics by walking the whole heap, on the event loop: 355 ms on a heap
 * of two million objects, at every scrape, with ingest stalled meanwhile.
 */
import { collectDefaultMetrics, type Registry } from 'prom-client';

/** The gauges fed by the per-space heap statistics. */
export const HEAP_SPACE_METRICS = [
  'nodejs_heap_space_size_total_bytes',
  'nodejs_heap_space_size_used_bytes',
  'nodejs_heap_space_size_available_bytes',
];

/** Registers the process metrics on `registry`. */
export function registerProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of HEAP_SPACE_METRICS) registry.removeSingleMetric(name);
}
