/** A metric whose meaning Vigil knows: its unit and, where physics bounds it, its range. */
export type CanonicalMetric = {
  unit: string;
  description: string;
  kind: 'number' | 'boolean';
  min?: number;
  max?: number;
};

/**
 * Canonical metric names for common sensors. Devices may send any other well-formed name too;
 * these are the ones the detector and the dashboard interpret.
 */
export const CANONICAL_METRICS = {
  temperature: {
    unit: '°C',
    description: 'Air or board temperature',
    kind: 'number',
    min: -60,
    max: 125,
  },
  humidity: { unit: '%RH', description: 'Relative humidity', kind: 'number', min: 0, max: 100 },
  motion: { unit: 'bool', description: 'Motion detected (PIR or accelerometer)', kind: 'boolean' },
  proximity: {
    unit: 'cm',
    description: 'Distance to the nearest object',
    kind: 'number',
    min: 0,
    max: 1000,
  },
  battery: { unit: '%', description: 'Battery charge', kind: 'number', min: 0, max: 100 },
  rssi: {
    unit: 'dBm',
    description: 'Wi-Fi or radio signal strength',
    kind: 'number',
    min: -130,
    max: 0,
  },
  latitude: { unit: 'deg', description: 'WGS 84 latitude', kind: 'number', min: -90, max: 90 },
  longitude: { unit: 'deg', description: 'WGS 84 longitude', kind: 'number', min: -180, max: 180 },
  altitude: {
    unit: 'm',
    description: 'Altitude above mean sea level',
    kind: 'number',
    min: -500,
    max: 20000,
  },
  speed: { unit: 'm/s', description: 'Ground speed', kind: 'number', min: 0, max: 150 },
  accel_x: {
    unit: 'm/s²',
    description: 'Acceleration, x axis',
    kind: 'number',
    min: -160,
    max: 160,
  },
  accel_y: {
    unit: 'm/s²',
    description: 'Acceleration, y axis',
    kind: 'number',
    min: -160,
    max: 160,
  },
  accel_z: {
    unit: 'm/s²',
    description: 'Acceleration, z axis',
    kind: 'number',
    min: -160,
    max: 160,
  },
  uptime: { unit: 's', description: 'Seconds since boot', kind: 'number', min: 0 },
} as const satisfies Record<string, CanonicalMetric>;

export type CanonicalMetricName = keyof typeof CANONICAL_METRICS;

/** The canonical definition of `name`, or undefined for a device-specific metric. */
export function canonicalMetric(name: string): CanonicalMetric | undefined {
  return Object.hasOwn(CANONICAL_METRICS, name)
    ? CANONICAL_METRICS[name as CanonicalMetricName]
    : undefined;
}
