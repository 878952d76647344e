import type { DeviceKind } from '../types';

/** A group of metrics a value fault acts on together, with the size of the disturbance. */
export type MetricTarget = { metrics: readonly string[]; range: readonly [number, number] };

type Targets = {
  /** Jump size; `upOnly` targets only jump upwards (a speed or echo reading cannot go negative). */
  spike: ReadonlyArray<MetricTarget & { upOnly?: boolean }>;
  /** Bias reached at the end of the episode. */
  drift: readonly MetricTarget[];
  /** Metrics read from one chip, which freeze together when its driver hangs. */
  freeze: readonly MetricTarget[];
  /** Standard deviation of the added noise. */
  noise: readonly MetricTarget[];
};

/** Which metrics each value fault disturbs, per device kind, in physical units. */
export const TARGETS: Record<DeviceKind, Targets> = {
  sensor: {
    spike: [
      { metrics: ['temperature'], range: [15, 40] },
      { metrics: ['humidity'], range: [30, 60] },
      { metrics: ['proximity'], range: [300, 900], upOnly: true },
    ],
    drift: [
      { metrics: ['temperature'], range: [4, 12] },
      { metrics: ['humidity'], range: [10, 25] },
    ],
    freeze: [
      { metrics: ['temperature', 'humidity'], range: [0, 0] },
      { metrics: ['proximity'], range: [0, 0] },
    ],
    noise: [
      { metrics: ['temperature'], range: [1, 3] },
      { metrics: ['humidity'], range: [3, 8] },
      { metrics: ['proximity'], range: [10, 30] },
    ],
  },
  drone: {
    spike: [
      { metrics: ['altitude'], range: [80, 300] },
      { metrics: ['speed'], range: [20, 60], upOnly: true },
      { metrics: ['accel_x', 'accel_y'], range: [15, 60] },
      { metrics: ['accel_z'], range: [15, 60] },
    ],
    drift: [{ metrics: ['altitude'], range: [20, 60] }],
    freeze: [
      { metrics: ['latitude', 'longitude', 'altitude'], range: [0, 0] },
      { metrics: ['accel_x', 'accel_y', 'accel_z'], range: [0, 0] },
    ],
    noise: [
      { metrics: ['accel_x', 'accel_y', 'accel_z'], range: [2, 6] },
      { metrics: ['altitude'], range: [3, 10] },
      { metrics: ['speed'], range: [2, 5] },
    ],
  },
};
