import type { MetricValue, Severity } from '#lib/api/types';

/** Without a reading for this long, a device that never said otherwise counts as offline. */
export const OFFLINE_AFTER_MS = 60_000;

export type Presence = 'online' | 'offline' | 'never seen';

/** The newest anomaly of a device that nobody has acknowledged yet. */
export type OpenAlert = { anomalyId: string; type: string; severity: Severity; ts: number };

/**
 * One device as the overview shows it. Fields are individual runes so a reading re-renders only
 * that device's values, not the fleet.
 */
export class DeviceTile {
  readonly id: string;
  name = $state('');
  metrics = $state.raw<Record<string, MetricValue>>({});
  /** Epoch ms of the newest reading (or the registry's last_seen before any live reading). */
  lastSeen = $state<number | null>(null);
  /** What the device itself last said on its state topic (LWT included); null if nothing yet. */
  reportedOnline = $state<boolean | null>(null);
  /** Reading time of the metrics shown. */
  #shownTs: number | null = null;
  /** Unacknowledged anomalies, newest first. */
  openAlerts = $state.raw<OpenAlert[]>([]);

  constructor(id: string) {
    this.id = id;
  }

  /** The newest unacknowledged anomaly, the one the tile names. */
  get alert(): OpenAlert | null {
    return this.openAlerts[0] ?? null;
  }

  /** Whether the device is in Danger: it has an unacknowledged anomaly. */
  get danger(): boolean {
    return this.openAlerts.length > 0;
  }

  /** Online/offline from the device's own word when it gave one, else from reading recency. */
  presence(now: number): Presence {
    if (this.reportedOnline === false) return 'offline';
    if (this.lastSeen === null) return this.reportedOnline ? 'online' : 'never seen';
    if (this.reportedOnline === true) return 'online';
    return now - this.lastSeen <= OFFLINE_AFTER_MS ? 'online' : 'offline';
  }

  /** Moves last-seen forward to `ms` (the registry's word); never back, null changes nothing. */
  seen(ms: number | null): void {
    if (ms !== null && (this.lastSeen === null || ms > this.lastSeen)) this.lastSeen = ms;
  }

  /**
   * Records a reading unless it is older than the one the tile shows. Compared with that
   * reading's time, not with `lastSeen`: the registry's last-seen is when the server received
   * the newest reading, always a little after the device stamped it.
   */
  applyReading(ts: number, metrics: Record<string, MetricValue>): void {
    if (this.#shownTs !== null && ts < this.#shownTs) return;
    this.#shownTs = ts;
    this.metrics = metrics;
    if (this.lastSeen === null || ts > this.lastSeen) this.lastSeen = ts;
  }

  /** Raises an alert (once per anomaly); the tile names the newest open one. */
  raise(alert: OpenAlert): void {
    if (this.openAlerts.some((a) => a.anomalyId === alert.anomalyId)) return;
    this.openAlerts = [...this.openAlerts, alert].sort((a, b) => b.ts - a.ts);
  }

  /** Clears one anomaly; the device stays in Danger while any other is open. */
  acknowledge(anomalyId: string): void {
    this.openAlerts = this.openAlerts.filter((a) => a.anomalyId !== anomalyId);
  }

  /**
   * Clears every open anomaly and returns their ids: an operator acknowledging the device's
   * Danger has seen all of them (a fault episode raises one per reading).
   */
  acknowledgeAll(): string[] {
    const ids = this.openAlerts.map((a) => a.anomalyId);
    this.openAlerts = [];
    return ids;
  }
}
