import { describe, expect, test } from 'bun:test';
import { attributeFault, type FeatureScale, modelSeverity } from './attribution';
import { FEATURE_INDEX as F, FEATURE_COUNT } from './features';

const scale: FeatureScale = {
  median: new Array(FEATURE_COUNT).fill(0.5),
  high: new Array(FEATURE_COUNT).fill(1.5),
};

function row(values: Partial<Record<keyof typeof F, number>>): Float32Array {
  const out = new Float32Array(FEATURE_COUNT).fill(0.5);
  for (const [name, value] of Object.entries(values))
    out[F[name as keyof typeof F]] = value as number;
  return out;
}

describe('model fault attribution', () => {
  test('the model feature furthest beyond its normal range names the fault', () => {
    expect(attributeFault(row({ z_max: 6 }), scale)).toBe('spike');
    expect(attributeFault(row({ roughness_max: 6 }), scale)).toBe('noise');
    expect(attributeFault(row({ freeze_max: 6 }), scale)).toBe('freeze');
    expect(attributeFault(row({ level_persist_max: 6, z_max: 2 }), scale)).toBe('drift');
  });

  test('features the forest does not split on never name a model finding', () => {
    expect(attributeFault(row({ gps_speed_log: 60, level_max: 3 }), scale)).toBe('drift');
  });

  test('severity grows with the margin over the threshold', () => {
    expect(modelSeverity(0.62, 0.6)).toBe('low');
    expect(modelSeverity(0.68, 0.6)).toBe('medium');
    expect(modelSeverity(0.8, 0.6)).toBe('high');
  });
});
