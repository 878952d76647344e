/**
 * The overview's page data, cut down to what its tiles show: the registry's view, the reported
 * states and the newest readings merged into one small record per device. With a thousand
 * devices the serialized data is part of the HTML the browser must read before its first paint.
 */
import type { AnomalyView, DeviceStates, DeviceView, LatestReading } from '#lib/api/types';
import { parseTime } from '#lib/format';
import type { AlertSnapshot, TileSnapshot } from '#lib/state/fleet.svelte';

/**
 * One snapshot per device named by any of the three sources (a device never listed still gets
 * its tile, as it would from a live event), in the registry's order.
 */
export function tileSnapshots(
  devices: readonly Pick<DeviceView, 'id' | 'name' | 'lastSeen'>[],
  states: readonly Pick<DeviceStates[number], 'deviceId' | 'online'>[],
  latest: readonly LatestReading[],
): TileSnapshot[] {
  const byId = new Map<string, TileSnapshot>();
  const snapshot = (id: string): TileSnapshot => {
    let found = byId.get(id);
    if (found === undefined) {
      found = { id, name: '' };
      byId.set(id, found);
    }
    return found;
  };
  for (const device of devices) {
    const entry = snapshot(device.id);
    entry.name = device.name;
    const seen = parseTime(device.lastSeen);
    if (seen !== null) entry.lastSeen = seen;
  }
  for (const state of states) snapshot(state.deviceId).online = state.online;
  for (const reading of latest) {
    snapshot(reading.deviceId).reading = { ts: reading.ts, metrics: reading.metrics };
  }
  return [...byId.values()];
}

/** The unacknowledged anomalies among `anomalies`, with only the fields a tile's Danger needs. */
export function openAlerts(anomalies: readonly AnomalyView[]): AlertSnapshot[] {
  return anomalies
    .filter((anomaly) => anomaly.acknowledgedAt === null)
    .map(({ id, deviceId, type, severity, ts, acknowledgedAt }) => ({
      id,
      deviceId,
      type,
      severity,
      ts,
      acknowledgedAt,
    }));
}
