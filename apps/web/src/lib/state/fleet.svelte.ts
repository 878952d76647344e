import { SvelteMap } from 'svelte/reactivity';
import type { LiveEvent } from '#lib/api/live-event';
import type { AnomalyView, DeviceView, MetricValue } from '#lib/api/types';
import { parseTime } from '#lib/format';
import { DeviceTile } from './device-tile.svelte';

export type FleetFilter = 'all' | 'danger' | 'online' | 'offline';

/**
 * One device as the overview's server load sends it: only what its tile shows, so the page's
 * serialized data stays small with a thousand devices. Absent fields mean "nothing known yet".
 */
export type TileSnapshot = {
  id: string;
  name: string;
  /** Epoch ms of the registry's last-seen. */
  lastSeen?: number;
  /** What the device last said on its state topic. */
  online?: boolean;
  /** Its newest stored reading. */
  reading?: { ts: number; metrics: Record<string, MetricValue> };
};

/** The fields of an anomaly the fleet needs to raise or clear a tile's Danger. */
export type AlertSnapshot = Pick<
  AnomalyView,
  'id' | 'deviceId' | 'type' | 'severity' | 'ts' | 'acknowledgedAt'
>;

/**
 * The whole fleet as the overview shows it: one DeviceTile per device, updated in place by live
 * events, with the search and filter the page binds to. Danger devices sort first.
 */
export class Fleet {
  readonly tiles = new SvelteMap<string, DeviceTile>();
  search = $state('');
  filter = $state<FleetFilter>('all');
  /** Clock for "last seen" and presence; ticked by the page so all tiles age together. */
  now = $state(Date.now());

  /*
   * Plain methods rather than class-level $derived: during a server render a derived is computed
   * once on first read, and the layout reads the fleet before the page has loaded it. Components
   * wrap these in their own $derived, which caches them in the browser.
   */

  /** Tiles in display order: Danger first, then by id. */
  ordered(): DeviceTile[] {
    return [...this.tiles.values()].sort(
      (a, b) => Number(b.danger) - Number(a.danger) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
  }

  /** Tiles matching the search text and the filter, in display order. */
  visible(): DeviceTile[] {
    const needle = this.search.trim().toLowerCase();
    const filter = this.filter;
    const now = this.now;
    return this.ordered().filter((tile) => {
      if (
        needle &&
        !tile.id.toLowerCase().includes(needle) &&
        !tile.name.toLowerCase().includes(needle)
      ) {
        return false;
      }
      if (filter === 'danger') return tile.danger;
      if (filter === 'online') return tile.presence(now) === 'online';
      if (filter === 'offline') return tile.presence(now) !== 'online';
      return true;
    });
  }

  /** How many devices are in Danger. */
  dangerCount(): number {
    let count = 0;
    for (const tile of this.tiles.values()) if (tile.danger) count += 1;
    return count;
  }

  /** Adds or refreshes devices from the registry (a device page's load). */
  load(devices: readonly Pick<DeviceView, 'id' | 'name' | 'lastSeen'>[]): void {
    for (const device of devices) {
      const tile = this.tile(device.id);
      tile.name = device.name;
      tile.seen(parseTime(device.lastSeen));
    }
  }

  /**
   * Adds or refreshes devices from the overview's snapshot (first paint and reloads): name,
   * last-seen, reported state and newest stored reading, before any live event.
   */
  loadSnapshot(snapshots: readonly TileSnapshot[]): void {
    for (const snapshot of snapshots) {
      const tile = this.tile(snapshot.id);
      tile.name = snapshot.name;
      tile.seen(snapshot.lastSeen ?? null);
      if (snapshot.online !== undefined) tile.reportedOnline = snapshot.online;
      if (snapshot.reading) tile.applyReading(snapshot.reading.ts, snapshot.reading.metrics);
    }
  }

  /**
   * Raises the unacknowledged anomalies (first paint: Danger before any live event) and clears
   * those acknowledged since (a reload after the live stream missed events).
   */
  loadAlerts(anomalies: readonly AlertSnapshot[]): void {
    for (const anomaly of anomalies) {
      if (anomaly.acknowledgedAt !== null) {
        this.tiles.get(anomaly.deviceId)?.acknowledge(anomaly.id);
        continue;
      }
      this.tile(anomaly.deviceId).raise({
        anomalyId: anomaly.id,
        type: anomaly.type,
        severity: anomaly.severity,
        ts: Date.parse(anomaly.ts),
      });
    }
  }

  /** Applies one live event. Unknown event types are ignored: newer servers may send more. */
  apply(event: LiveEvent): void {
    switch (event.type) {
      case 'telemetry':
        this.tile(event.deviceId).applyReading(event.ts, event.metrics);
        break;
      case 'device_registered':
        this.tile(event.deviceId);
        break;
      case 'device_state':
        this.tile(event.deviceId).reportedOnline = event.online;
        break;
      case 'anomaly':
        this.tile(event.deviceId).raise({
          anomalyId: event.anomalyId,
          type: event.anomalyType,
          severity: event.severity,
          ts: event.ts,
        });
        break;
      case 'anomaly_acknowledged':
        this.tiles.get(event.deviceId)?.acknowledge(event.anomalyId);
        break;
      default:
        break;
    }
  }

  /** The tile of a device, created on first mention (a device may appear live before it loads). */
  tile(id: string): DeviceTile {
    let tile = this.tiles.get(id);
    if (tile === undefined) {
      tile = new DeviceTile(id);
      this.tiles.set(id, tile);
    }
    return tile;
  }
}
