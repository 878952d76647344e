/**
 * Writes one ingest batch in one SQL statement, hence one transaction and one round trip:
 * registrations (UNKNOWN_DEVICES=register), readings, dead letters and the devices' last_seen
 * are data-modifying CTEs of a single prepared statement, fed by one JSON parameter, so a batch
 * of any size costs one parse and one commit.
 */
import { type SQL, sql } from 'drizzle-orm';
import type { Database } from '../telemetry/database';
import { readingKey } from '../telemetry/reading-key';
import type { DeviceCache } from './device-cache';
import { type IngestItem, type ReadingItem, rejectedItem } from './intake';

export type FlushResult = {
  /** Readings inserted by this flush (not duplicates), in batch order. */
  inserted: Array<ReadingItem & IngestItem>;
  /** Readings that were already stored before this flush (redelivered by the broker). */
  redelivered: Array<ReadingItem & IngestItem>;
  duplicates: number;
  /** Dead letters written, with the items' (possibly updated) reasons. */
  rejected: IngestItem[];
  /** Devices registered by this flush. */
  registered: string[];
};

export type FlushWriter = (items: readonly IngestItem[]) => Promise<FlushResult>;

/** 'd': a reading that was already stored (its key); 'n': a device this flush registered. */
type ReturnedRow = {
  k: 'd' | 'n';
  id: string;
  t: number | string | null;
  b: number | string | null;
  s: number | string | null;
};

/**
 * A device's last_seen is written at most once a second (so it can be up to a second behind its
 * newest reading). Small batches hold most devices of a fleet, and writing it with every batch
 * meant a row lock, a new row version and their WAL per device, dozens of times a second.
 */
export const LAST_SEEN_STEP_MS = 1_000;

/** Creates the batch writer over `database`, resolving devices through `devices`. */
export function createFlushWriter(
  database: Pick<Database, 'execute'>,
  devices: DeviceCache,
  unknownDevices: 'reject' | 'register',
): FlushWriter {
  /** Per device, the last_seen this writer last wrote. */
  const lastSeenWritten = new Map<string, number>();
  return async (items) => {
    const readings: Array<ReadingItem & IngestItem> = [];
    const rejected: IngestItem[] = [];
    for (const item of items) {
      if (item.kind === 'reading') readings.push(item);
      else rejected.push(item);
    }
    const known = await devices.resolve(readings.map((r) => r.deviceId));
    const accepted: Array<ReadingItem & IngestItem> = [];
    const toRegister = new Map<string, number>();
    for (const reading of readings) {
      if (known.has(reading.deviceId)) accepted.push(reading);
      else if (unknownDevices === 'register') {
        accepted.push(reading);
        toRegister.set(
          reading.deviceId,
          Math.max(toRegister.get(reading.deviceId) ?? 0, reading.receivedAt),
        );
      } else {
        rejected.push(
          rejectedItem(
            reading,
            'unknown_device',
            `device '${reading.deviceId}' is not registered`,
            reading.deviceId,
          ),
        );
      }
    }
    const seen = new Map<string, number>();
    for (const { deviceId, receivedAt } of accepted) {
      if (toRegister.has(deviceId)) continue;
      const written = lastSeenWritten.get(deviceId);
      // Either way: after the server's clock is set back, the next second's value is sent (the
      // statement keeps the later of the two).
      if (written !== undefined && Math.abs(receivedAt - written) < LAST_SEEN_STEP_MS) continue;
      seen.set(deviceId, Math.max(seen.get(deviceId) ?? 0, receivedAt));
    }
    const unique = withoutRepeats(accepted);

    const rows = await database.execute<ReturnedRow>(
      flushStatement(unique, rejected, toRegister, seen),
      { prepare: true },
    );
    const registered: string[] = [];
    const existing = new Set<string>();
    for (const row of rows) {
      if (row.k === 'n') registered.push(row.id);
      else existing.add(readingKey(row.id, Number(row.t), Number(row.b), Number(row.s)));
    }
    for (const id of toRegister.keys()) devices.add(id);
    for (const [id, at] of [...seen, ...toRegister]) lastSeenWritten.set(id, at);
    let inserted = unique;
    const redelivered: Array<ReadingItem & IngestItem> = [];
    if (existing.size > 0) {
      inserted = [];
      for (const r of unique) {
        if (existing.has(readingKey(r.deviceId, r.tsMs, r.boot, r.seq))) redelivered.push(r);
        else inserted.push(r);
      }
    }
    return {
      inserted,
      redelivered,
      duplicates: accepted.length - inserted.length,
      rejected,
      registered,
    };
  };
}

/**
 * The readings without repeats of a reading earlier in the batch: a redelivery can share a batch
 * with its original (a reconnect while the batch was open). A device's readings normally arrive
 * in one boot with rising seq, and then none can repeat, so only the readings of a device whose
 * seq did not rise are compared by key.
 */
export function withoutRepeats<R extends ReadingItem>(readings: R[]): R[] {
  const last = new Map<string, { boot: number; seq: number; rising: boolean }>();
  let allRising = true;
  for (const r of readings) {
    const state = last.get(r.deviceId);
    if (state === undefined) last.set(r.deviceId, { boot: r.boot, seq: r.seq, rising: true });
    else {
      if (state.boot !== r.boot || r.seq <= state.seq) {
        state.rising = false;
        allRising = false;
      }
      state.boot = r.boot;
      state.seq = r.seq;
    }
  }
  if (allRising) return readings;
  const unique: R[] = [];
  const keys = new Set<string>();
  for (const r of readings) {
    if (last.get(r.deviceId)?.rising) {
      unique.push(r);
      continue;
    }
    const key = readingKey(r.deviceId, r.tsMs, r.boot, r.seq);
    if (!keys.has(key)) {
      keys.add(key);
      unique.push(r);
    }
  }
  return unique;
}

function flushStatement(
  readings: Array<ReadingItem & IngestItem>,
  rejected: IngestItem[],
  toRegister: Map<string, number>,
  seen: Map<string, number>,
): SQL {
  const dead: object[] = [];
  for (const x of rejected) {
    if (x.kind !== 'rejected') continue;
    dead.push({
      r: x.receivedAt,
      t: x.topic,
      re: x.reason,
      de: x.detail,
      d: x.deviceId,
      h: x.payloadHead.toString('hex'),
      n: x.payloadBytes,
    });
  }
  const batch = JSON.stringify({
    n: [...toRegister].map(([d, r]) => ({ d, r })),
    r: readings.map((x) => ({
      d: x.deviceId,
      t: x.tsMs,
      b: x.boot,
      s: x.seq,
      r: x.receivedAt,
      m: x.metrics,
      h: x.sha256,
    })),
    x: dead,
    s: [...seen].map(([d, r]) => ({ d, r })),
  });
  // The whole batch is ONE text parameter: a native JSON.stringify on our side and one jsonb parse
  // on the server's, measured cheaper than serialising a typed array per column, and the statement
  // text never changes, so a prepared plan can be reused. Epoch milliseconds are exact in float8,
  // and to_timestamp(ms / 1000) is exact to the microsecond.
  return sql`
WITH batch AS (SELECT ${batch}::text::jsonb AS j),
registered AS (
  INSERT INTO devices (id, source, last_seen)
  SELECT d, 'auto', to_timestamp(r / 1000)
  FROM batch, jsonb_to_recordset(j -> 'n') AS u(d text, r float8)
  ON CONFLICT (id) DO NOTHING
  RETURNING id
), inserted AS (
  INSERT INTO readings (device_id, ts, boot, seq, received_at, metrics, payload_sha256)
  SELECT d, to_timestamp(t / 1000), b, s, to_timestamp(r / 1000), m, decode(h, 'hex')
  FROM batch, jsonb_to_recordset(j -> 'r') AS u(d text, t float8, b int8, s int8, r float8, m jsonb, h text)
  ON CONFLICT (device_id, ts, boot, seq) DO NOTHING
  RETURNING device_id, ts, boot, seq
), dead AS (
  INSERT INTO dead_letters (received_at, topic, reason, detail, device_id, payload_head, payload_bytes)
  SELECT to_timestamp(r / 1000), t, re, de, d, decode(h, 'hex'), n
  FROM batch, jsonb_to_recordset(j -> 'x')
    AS u(r float8, t text, re text, de text, d text, h text, n int4)
), seen AS (
  SELECT d AS id, to_timestamp(r / 1000) AS at
  FROM batch, jsonb_to_recordset(j -> 's') AS u(d text, r float8)
), touched AS (
  -- Replicas in one share group see the same devices. Each updates only the rows it could lock
  -- without waiting (the other replica is setting nearly the same time anyway), so two flushes
  -- never wait on each other or deadlock over last_seen.
  UPDATE devices SET last_seen = seen.at FROM seen
  WHERE devices.id = seen.id
    AND (devices.last_seen IS NULL OR devices.last_seen < seen.at)
    AND devices.id IN (
      SELECT d.id FROM devices d JOIN seen s ON s.id = d.id FOR NO KEY UPDATE OF d SKIP LOCKED
    )
)
-- Report the readings that were NOT inserted (normally none) rather than echo every row back.
SELECT 'd' AS k, u.d AS id, u.t, u.b, u.s
FROM batch, jsonb_to_recordset(j -> 'r') AS u(d text, t float8, b int8, s int8)
WHERE NOT EXISTS (
  SELECT 1 FROM inserted i
  WHERE i.device_id = u.d AND i.ts = to_timestamp(u.t / 1000) AND i.boot = u.b AND i.seq = u.s
)
UNION ALL SELECT 'n', id, NULL, NULL, NULL FROM registered`;
}
