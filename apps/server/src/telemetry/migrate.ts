/** Applies the committed SQL migrations in /drizzle with Drizzle's migrator. */
import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';

/** The repository's drizzle/ folder (apps/server/src/telemetry -> four levels up). */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../../../drizzle', import.meta.url));

// Any constant works; it only has to be the same for every replica of Vigil.
const MIGRATION_LOCK_KEY = 7_316_001;

export type MigrationTarget =
  | { kind: 'postgres'; url: string }
  | { kind: 'pglite'; client: PGlite };

/**
 * Brings the database schema up to date. On PostgreSQL the migrations run on one dedicated
 * connection holding an advisory lock, so replicas starting together do not race each other.
 */
export async function applyMigrations(target: MigrationTarget): Promise<void> {
  if (target.kind === 'pglite') {
    await migratePglite(drizzlePglite({ client: target.client }), {
      migrationsFolder: MIGRATIONS_FOLDER,
    });
    return;
  }
  const client = postgres(target.url, { max: 1, connect_timeout: 10, onnotice: () => {} });
  try {
    await client`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    await migratePostgres(drizzlePostgres({ client }), { migrationsFolder: MIGRATIONS_FOLDER });
  } finally {
    await client.end({ timeout: 5 });
  }
}
