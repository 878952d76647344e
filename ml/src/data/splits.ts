import { generateFleetTrace, type LabelledMessage } from '@vigil/simulator';

/** One simulated fleet of a split: its own seed, device-id prefix, size and reporting interval. */
export type FleetSpec = {
  seed: number;
  idPrefix: string;
  sensors: number;
  drones: number;
  intervalMs: number;
  durationMs: number;
  faultRate: number;
  startMs: number;
};

export type SplitName = 'train' | 'validation' | 'validation_clean' | 'test' | 'test_clean';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const BASE = Date.UTC(2026, 0, 5, 0, 0, 0);

/**
 * The datasets, split by device AND by seed: every split draws its own seeds and its own device
 * ids, never rows of a shared trace. Training sees fault-free traffic only (the forest is
 * unsupervised); the threshold is chosen on validation; test is read by ml:eval only. Fleets
 * differ in reporting interval and start at different times of day, so nothing is learned that
 * holds for one cadence or one hour only.
 */
export const SPLITS: Record<SplitName, readonly FleetSpec[]> = {
  train: [
    fleet(1101, 'tr-a-', 18, 6, 1_000, 1.5 * HOUR, 0, BASE + 2 * HOUR),
    fleet(1102, 'tr-b-', 8, 4, 2_000, 2 * HOUR, 0, BASE + DAY + 13 * HOUR),
    fleet(1103, 'tr-c-', 6, 2, 5_000, 4 * HOUR, 0, BASE + 2 * DAY + 19 * HOUR),
  ],
  validation: [
    fleet(2101, 'va-a-', 12, 4, 1_000, 1.5 * HOUR, 0.05, BASE + 3 * DAY + 9 * HOUR),
    fleet(2102, 'va-b-', 6, 2, 2_000, 2 * HOUR, 0.05, BASE + 4 * DAY + 21 * HOUR),
    fleet(2103, 'va-c-', 12, 4, 1_000, 1.5 * HOUR, 0.05, BASE + 9 * DAY + 3 * HOUR),
    fleet(2104, 'va-d-', 6, 2, 2_000, 2 * HOUR, 0.05, BASE + 10 * DAY + 14 * HOUR),
  ],
  validation_clean: [
    fleet(2201, 'vc-', 8, 3, 1_000, HOUR, 0, BASE + 5 * DAY + 4 * HOUR),
    fleet(2202, 'vd-', 8, 3, 2_000, HOUR, 0, BASE + 11 * DAY + 17 * HOUR),
  ],
  test: [
    fleet(3101, 'te-a-', 12, 4, 1_000, 1.5 * HOUR, 0.05, BASE + 6 * DAY + 15 * HOUR),
    fleet(3102, 'te-b-', 6, 2, 2_000, 2 * HOUR, 0.05, BASE + 7 * DAY + 1 * HOUR),
  ],
  test_clean: [fleet(3201, 'tc-', 8, 3, 1_000, HOUR, 0, BASE + 8 * DAY + 11 * HOUR)],
};

function fleet(
  seed: number,
  idPrefix: string,
  sensors: number,
  drones: number,
  intervalMs: number,
  durationMs: number,
  faultRate: number,
  startMs: number,
): FleetSpec {
  return { seed, idPrefix, sensors, drones, intervalMs, durationMs, faultRate, startMs };
}

/** The labelled messages of one split, each fleet in arrival order, fleets one after another. */
export function generateSplit(name: SplitName, scale = 1): LabelledMessage[] {
  const out: LabelledMessage[] = [];
  for (const spec of SPLITS[name]) {
    const trace = generateFleetTrace({ ...spec, durationMs: Math.round(spec.durationMs * scale) });
    for (const message of trace) out.push(message);
  }
  return out;
}
