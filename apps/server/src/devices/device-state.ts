/**
 * Device state: online/offline, firmware, RSSI, uptime and last-seen, from the retained `state`
 * topic, the Last Will (`{"online":false}`), and silence: a device heard from neither on `state`
 * nor on telemetry for longer than DEVICE_OFFLINE_AFTER_S is marked offline by the sweeper.
 */
import { decodeState } from '@vigil/protocol';
import { asc, eq, sql } from 'drizzle-orm';
import { NotFoundError } from '../errors';
import type { Database } from '../telemetry/database';
import { type DeviceState, DeviceStates } from './credentials-schema';

export type DeviceStateView = {
  deviceId: string;
  online: boolean;
  fw: string | null;
  model: string | null;
  rssi: number | null;
  uptimeS: number | null;
  changedAt: string;
  lastSeen: string;
};

export type StateOutcome =
  | { ok: true; online: boolean; changed: boolean }
  | { ok: false; reason: 'unknown_device' | 'invalid'; detail: string };

/**
 * Decodes and records one `state` message of `deviceId`. Returns whether the online flag changed
 * (the caller publishes an event then) or why the message was refused; never throws on bad input.
 */
export async function recordStateMessage(
  database: Database,
  deviceId: string,
  payload: Uint8Array,
  now = new Date(),
): Promise<StateOutcome> {
  const decoded = decodeState(payload);
  if (!decoded.ok) return { ok: false, reason: 'invalid', detail: decoded.detail };
  const { online, fw, model, rssi, uptime } = decoded.state;
  const asInt = (value: number | undefined) =>
    value === undefined || !Number.isFinite(value) ? null : Math.round(value);
  // One statement: insert or update, only for registered devices, reporting the previous flag.
  // postgres.js takes no Date parameters in raw SQL; ISO text cast to timestamptz works on both.
  const ts = now.toISOString();
  const rows = await database.execute<{ online: boolean; previous: boolean | null }>(sql`
    with previous as (select online from device_states where device_id = ${deviceId})
    insert into device_states (device_id, online, fw, model, rssi, uptime_s, changed_at, last_seen)
    select d.id, ${online}, ${fw ?? null}, ${model ?? null}, ${asInt(rssi)}, ${asInt(uptime)}, ${ts}::timestamptz, ${ts}::timestamptz
      from devices d where d.id = ${deviceId}
    on conflict (device_id) do update set
      online = excluded.online,
      fw = coalesce(excluded.fw, device_states.fw),
      model = coalesce(excluded.model, device_states.model),
      rssi = coalesce(excluded.rssi, device_states.rssi),
      uptime_s = coalesce(excluded.uptime_s, device_states.uptime_s),
      changed_at = case when device_states.online = excluded.online
        then device_states.changed_at else excluded.changed_at end,
      last_seen = excluded.last_seen
    returning online, (select online from previous) as previous`);
  const [row] = rows;
  if (row === undefined) {
    return {
      ok: false,
      reason: 'unknown_device',
      detail: `device '${deviceId}' is not registered`,
    };
  }
  return { ok: true, online: row.online, changed: row.previous !== row.online };
}

/**
 * Marks offline every online device silent for longer than `offlineAfterS` (neither a state
 * message nor a stored reading since); returns their ids.
 */
export async function markSilentDevicesOffline(
  database: Database,
  offlineAfterS: number,
  now = new Date(),
): Promise<string[]> {
  const cutoff = new Date(now.getTime() - offlineAfterS * 1000).toISOString();
  const rows = await database.execute<{ device_id: string }>(sql`
    update device_states s set online = false, changed_at = ${now.toISOString()}::timestamptz
      from devices d
     where d.id = s.device_id and s.online
       and greatest(s.last_seen, coalesce(d.last_seen, s.last_seen)) < ${cutoff}::timestamptz
    returning s.device_id`);
  return rows.map((row) => row.device_id);
}

/** Runs the silence check every `intervalMs`; `onOffline` gets the ids each run turned offline. */
export function startOfflineSweeper(options: {
  database: Database;
  offlineAfterS: number;
  intervalMs: number;
  onOffline(deviceIds: string[]): void;
  onError(error: unknown): void;
}): { stop(): void } {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    markSilentDevicesOffline(options.database, options.offlineAfterS)
      .then((ids) => {
        if (ids.length > 0) options.onOffline(ids);
      }, options.onError)
      .finally(() => {
        running = false;
      });
  }, options.intervalMs);
  return { stop: () => clearInterval(timer) };
}

/** The last known state of one device; NotFoundError when it never reported one. */
export async function getDeviceState(
  database: Database,
  deviceId: string,
): Promise<DeviceStateView> {
  const [row] = await database.db
    .select()
    .from(DeviceStates)
    .where(eq(DeviceStates.deviceId, deviceId));
  if (row === undefined) throw new NotFoundError(`device '${deviceId}' has not reported a state`);
  return toView(row);
}

/** The state of every device that reported one, by id. */
export async function listDeviceStates(database: Database): Promise<DeviceStateView[]> {
  const rows = await database.db.select().from(DeviceStates).orderBy(asc(DeviceStates.deviceId));
  return rows.map(toView);
}

function toView(row: DeviceState): DeviceStateView {
  return {
    deviceId: row.deviceId,
    online: row.online,
    fw: row.fw,
    model: row.model,
    rssi: row.rssi,
    uptimeS: row.uptimeS,
    changedAt: row.changedAt.toISOString(),
    lastSeen: row.lastSeen.toISOString(),
  };
}
