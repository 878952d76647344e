import { expect, test } from 'bun:test';
import { Registry } from 'prom-client';
import { HEAP_SPACE_METRICS, registerProcessMetrics } from './process-metrics';

test('process metrics: the defaults without the per-space heap gauges, which walk the heap', async () => {
  const registry = new Registry();
  registerProcessMetrics(registry);
  const text = await registry.metrics();
  for (const name of [
    'process_cpu_seconds_total',
    'process_resident_memory_bytes',
    'nodejs_heap_size_used_bytes',
    'nodejs_eventloop_lag_p99_seconds',
  ]) {
    expect(text).toContain(`# TYPE ${name} `);
  }
  for (const name of HEAP_SPACE_METRICS) expect(text).not.toContain(name);
  expect(text).not.toContain('nodejs_heap_space');
});
