import { expect, test } from 'bun:test';
import { LIMITS } from './limits';
import { canonicalMetric } from './metrics';
import { jsonSchemas } from './schemas';

test('every message kind has a plain JSON Schema document with an id and a title', () => {
  expect(Object.keys(jsonSchemas).sort()).toEqual([
    'cmd',
    'cmd_ack',
    'event',
    'state',
    'telemetry',
  ]);
  for (const schema of Object.values(jsonSchemas)) {
    const plain = JSON.parse(JSON.stringify(schema));
    expect(plain.$id).toStartWith('vigil/v1/');
    expect(plain.title.length).toBeGreaterThan(0);
    expect(plain.type).toBe('object');
  }
});

test('the telemetry JSON Schema carries the limits, so other validators enforce them too', () => {
  const plain = JSON.parse(JSON.stringify(jsonSchemas.telemetry));
  expect(plain.additionalProperties).toBe(false);
  expect(plain.required.sort()).toEqual(['boot', 'metrics', 'seq', 'ts']);
  expect(plain.properties.boot.maximum).toBe(LIMITS.maxBoot);
  expect(plain.properties.metrics).toMatchObject({
    maxProperties: LIMITS.maxMetrics,
    minProperties: 1,
    additionalProperties: false,
    patternProperties: { [LIMITS.metricNamePattern.source]: expect.anything() },
  });
});

test('canonical metrics carry units; other names are unknown, not refused', () => {
  expect(canonicalMetric('temperature')?.unit).toBe('°C');
  expect(canonicalMetric('accel_z')?.unit).toBe('m/s²');
  expect(canonicalMetric('motion')?.kind).toBe('boolean');
  expect(canonicalMetric('co2_ppm')).toBeUndefined();
  expect(canonicalMetric('toString')).toBeUndefined();
});
