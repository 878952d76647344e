import type { DeviceKind } from './types';

/** The ids of a fleet: sensors first, then drones, numbered from 001. */
export function fleetDeviceIds(
  sensors: number,
  drones: number,
  prefix = '',
): Array<{ deviceId: string; kind: DeviceKind }> {
  const pad = (n: number) => String(n).padStart(3, '0');
  return [
    ...Array.from({ length: sensors }, (_, i) => ({
      deviceId: `${prefix}sensor-${pad(i + 1)}`,
      kind: 'sensor' as const,
    })),
    ...Array.from({ length: drones }, (_, i) => ({
      deviceId: `${prefix}drone-${pad(i + 1)}`,
      kind: 'drone' as const,
    })),
  ];
}
