/**
 * Which devices exist, as far as ingest needs to know: a set over the devices table, filled on
 * miss with one query per batch for all the batch's unknown ids. Devices are never looked up one
 * message at a time. A miss is not cached: a device an operator registers is accepted from its
 * next message on, at the cost of one indexed query per batch while an unknown device keeps
 * publishing.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../telemetry/database';

export type DeviceCache = {
  /** A set holding every id among `ids` that is a registered device (and possibly others). */
  resolve(ids: Iterable<string>): Promise<Set<string>>;
  /** Records a device as registered (ingest registered it). */
  add(id: string): void;
  /** Drops a device from the cache (deleted or disabled by an operator). */
  forget(id: string): void;
};

/** Creates a device cache reading through to `database`. */
export function createDeviceCache(database: Pick<Database, 'execute'>): DeviceCache {
  const known = new Set<string>();
  return {
    async resolve(ids) {
      const missing = new Set<string>();
      for (const id of ids) if (!known.has(id)) missing.add(id);
      if (missing.size > 0) {
        const rows = await database.execute<{ id: string }>(
          sql`SELECT id FROM devices WHERE id = ANY(${sql.param([...missing])}::text[])`,
        );
        for (const row of rows) known.add(row.id);
      }
      return known;
    },
    add: (id) => {
      known.add(id);
    },
    forget: (id) => {
      known.delete(id);
    },
  };
}
