/**
 * The database handle every module shares: PostgreSQL through postgres.js, or PGlite (embedded
 * PostgreSQL in WebAssembly) in the data directory when no DATABASE_URL is given. Both expose the
 * same Drizzle query API; migrations are applied on open.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations, SQL } from 'drizzle-orm';
import {
  type PgDatabase,
  PgDialect,
  type PgQueryResultHKT,
  type PgTransaction,
} from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as deviceTables from '../devices/schema';
import { applyMigrations } from './migrate';
import * as telemetryTables from './schema';

export const schema = { ...deviceTables, ...telemetryTables };
export type Schema = typeof schema;

export type Transaction = PgTransaction<
  PgQueryResultHKT,
  Schema,
  ExtractTablesWithRelations<Schema>
>;

export type Database = {
  kind: 'postgres' | 'pglite';
  /** Drizzle, with the same query API on both drivers. */
  db: PgDatabase<PgQueryResultHKT, Schema>;
  /**
   * Runs a raw parameterised statement (the ingest flush's fast path) and returns its rows. With
   * `prepare`, PostgreSQL parses and plans it once per connection and later runs take one round
   * trip instead of two; only for statements whose text never changes, since each connection keeps
   * every text it prepared.
   */
  execute<T = Record<string, unknown>>(query: SQL, options?: ExecuteOptions): Promise<T[]>;
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Resolves when the database answers a query within `timeoutMs`; throws otherwise. */
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
};

export type ExecuteOptions = { prepare?: boolean };

export type OpenDatabaseOptions = {
  /** postgres:// URL; absent means PGlite in `dataDir`. */
  url?: string;
  /** PGlite's home when `url` is absent (`<dataDir>/pglite`); 'memory://' keeps it in memory. */
  dataDir: string;
  /** Connections in the postgres.js pool (default 10). */
  poolSize?: number;
};

/** Opens PostgreSQL (when `url` is set) or PGlite, applies pending migrations, returns the handle. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.url !== undefined) {
    await applyMigrations({ kind: 'postgres', url: options.url });
    return openPostgres(options.url, options.poolSize ?? 10);
  }
  // 'memory://' keeps everything in memory (tests); otherwise PGlite persists under the data dir.
  const inMemory = options.dataDir.startsWith('memory://');
  const dir = inMemory ? options.dataDir : join(options.dataDir, 'pglite');
  if (!inMemory) mkdirSync(dir, { recursive: true });
  const client = await PGlite.create(dir);
  try {
    await applyMigrations({ kind: 'pglite', client });
  } catch (error) {
    await client.close();
    throw error;
  }
  return openPglite(client);
}

function openPostgres(url: string, poolSize: number): Database {
  const client = postgres(url, {
    max: poolSize,
    connect_timeout: 5,
    // Migrations and idempotent DDL emit NOTICEs; they are not worth a log line each.
    onnotice: () => {},
  });
  const db = drizzlePostgres({ client, schema });
  const dialect = new PgDialect();
  return {
    kind: 'postgres',
    db,
    async execute<T>(query: SQL, options?: ExecuteOptions) {
      // Drizzle runs raw SQL unprepared: Parse and Describe, wait, then Bind and Execute.
      const rows = options?.prepare
        ? await preparedQuery(client, dialect.sqlToQuery(query))
        : await db.execute(query);
      // postgres.js returns an array carrying result metadata; hand out plain rows.
      return Array.from(rows) as T[];
    },
    transaction: (fn) => db.transaction(fn),
    ping: (timeoutMs = 2000) =>
      withTimeout(
        client`select 1`.then(() => undefined),
        timeoutMs,
      ),
    close: () => client.end({ timeout: 5 }),
  };
}

function openPglite(client: PGlite): Database {
  const db = drizzlePglite({ client, schema });
  return {
    kind: 'pglite',
    db,
    async execute<T>(query: SQL) {
      return (await db.execute(query)).rows as T[];
    },
    transaction: (fn) => db.transaction(fn),
    ping: (timeoutMs = 2000) =>
      withTimeout(
        client.query('select 1').then(() => undefined),
        timeoutMs,
      ),
    close: () => client.close(),
  };
}

function preparedQuery(client: postgres.Sql, query: { sql: string; params: unknown[] }) {
  return client.unsafe(query.sql, query.params as postgres.ParameterOrJSON<never>[], {
    prepare: true,
  });
}

/** Rejects when `work` takes longer than `ms`, so a hung connection cannot hang /health. */
function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
