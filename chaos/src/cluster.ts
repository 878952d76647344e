/**
 * The real services a scenario runs against: Mosquitto (the shipped config unless told
 * otherwise) and PostgreSQL 15 with fsync and synchronous_commit on, as production runs, each on
 * a free loopback port, plus a work directory for logs and load results.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RegistryChain, startRegistryChain } from '@vigil/contracts/registry-chain';
import {
  type MosquittoOptions,
  type RunningMosquitto,
  type RunningPostgres,
  startMosquitto,
  startPostgres,
} from '@vigil/testkit';
import postgres from 'postgres';

export type Cluster = {
  mosquitto: RunningMosquitto;
  postgres: RunningPostgres;
  databaseUrl: string;
  /** Environment pointing a server at the scenario's chain and registry. */
  chainEnv: Record<string, string>;
  /** The chain itself (its node URL, and another registry on demand). */
  chain: RegistryChain;
  /** One connection for the scenario's own counting queries. */
  sql: postgres.Sql;
  work: string;
  stop(): Promise<void>;
};

/**
 * Services several scenarios may share (the test suite does: one database cluster and one chain
 * for all short scenarios, each scenario still with its own database and broker).
 */
export type SharedServices = { postgres: RunningPostgres; chain: RegistryChain };

let shared: SharedServices | undefined;

/** Makes every later startCluster() use these services instead of starting its own. */
export function shareServices(services: SharedServices | undefined): void {
  shared = services;
}

/** Starts a shared database cluster (fsync on) and chain; the caller stops them. */
export async function startSharedServices(): Promise<SharedServices> {
  const [database, chain] = await Promise.all([
    startPostgres({ durable: true }),
    startRegistryChain(),
  ]);
  return { postgres: database, chain };
}

/**
 * Starts a broker and one empty database, on a database cluster and chain of its own unless
 * shared ones were set (`ownDatabase` forces a cluster of its own, e.g. to freeze it).
 */
export async function startCluster(
  mosquitto: MosquittoOptions = {},
  ownDatabase = false,
): Promise<Cluster> {
  const work = mkdtempSync(join(tmpdir(), 'vigil-chaos-'));
  const reuse = ownDatabase ? undefined : shared;
  const [broker, database, chain] = await Promise.all([
    startMosquitto(mosquitto),
    reuse?.postgres ?? startPostgres({ durable: true }),
    shared?.chain ?? startRegistryChain(),
  ]);
  const databaseUrl = await database.createDatabase();
  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {}, idle_timeout: 0 });
  return {
    mosquitto: broker,
    postgres: database,
    databaseUrl,
    chainEnv: chain.env,
    chain,
    sql,
    work,
    async stop() {
      await sql.end({ timeout: 2 }).catch(() => {});
      await Promise.all([
        broker.stop(),
        reuse === undefined ? database.stop() : undefined,
        shared?.chain === chain ? undefined : chain.stop(),
      ]);
      if (process.env.CHAOS_KEEP === undefined) rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Registers `count` devices `<prefix>-0 .. <prefix>-(count-1)` (after the server migrated). */
export async function registerDevices(sql: postgres.Sql, prefix: string, count: number) {
  await sql`INSERT INTO devices (id) SELECT ${prefix} || '-' || g FROM generate_series(0, ${count - 1}) g
            ON CONFLICT DO NOTHING`;
}
