/** Read queries over the device registry, returning JSON-ready views for the API. */
import { asc, eq, gt } from 'drizzle-orm';
import { NotFoundError } from '../errors';
import type { Database } from '../telemetry/database';
import type { DeviceListQuery } from './inputs';
import { type Device, Devices } from './schema';

export const DEFAULT_DEVICE_PAGE = 1000;

export type DeviceView = {
  id: string;
  name: string;
  model: string;
  metadata: Record<string, unknown>;
  source: Device['source'];
  createdAt: string;
  /** Time of the last stored batch that held a reading of this device; null if never seen. */
  lastSeen: string | null;
};

export type DevicePage = {
  devices: DeviceView[];
  /** Cursor for the next page (pass as `after`), or null on the last page. */
  nextAfter: string | null;
};

/** Devices ordered by id, one page at a time. */
export async function listDevices(database: Database, query: DeviceListQuery): Promise<DevicePage> {
  const limit = query.limit ?? DEFAULT_DEVICE_PAGE;
  const rows = await database.db
    .select()
    .from(Devices)
    .where(query.after === undefined ? undefined : gt(Devices.id, query.after))
    .orderBy(asc(Devices.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return {
    devices: page.map(toDeviceView),
    nextAfter: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
  };
}

/** One device; throws NotFoundError when no device has this id. */
export async function getDevice(database: Database, id: string): Promise<DeviceView> {
  const [row] = await database.db.select().from(Devices).where(eq(Devices.id, id)).limit(1);
  if (row === undefined) throw new NotFoundError(`device '${id}' is not registered`);
  return toDeviceView(row);
}

function toDeviceView(row: Device): DeviceView {
  return {
    id: row.id,
    name: row.name,
    model: row.model,
    metadata: row.metadata,
    source: row.source,
    createdAt: row.createdAt.toISOString(),
    lastSeen: row.lastSeen?.toISOString() ?? null,
  };
}
