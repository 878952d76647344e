/**
 * The real services a scenario runs against: Mosquitto (the shipped config unless told
 * otherwise) and PostgreSQL 15 with fsync and synchronous_commit on, as production runs, each on
 * a free loopback port, plus a work directory for logs and load results.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  /** One connection for the scenario's own counting queries. */
  sql: postgres.Sql;
  work: string;
  stop(): Promise<void>;
};

/** Starts a broker and a database cluster with one empty database. */
export async function startCluster(mosquitto: MosquittoOptions = {}): Promise<Cluster> {
  const work = mkdtempSync(join(tmpdir(), 'vigil-chaos-'));
  const [broker, database] = await Promise.all([
    startMosquitto(mosquitto),
    startPostgres({ durable: true }),
  ]);
  const databaseUrl = await database.createDatabase();
  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {}, idle_timeout: 0 });
  return {
    mosquitto: broker,
    postgres: database,
    databaseUrl,
    sql,
    work,
    async stop() {
      await sql.end({ timeout: 2 }).catch(() => {});
      await Promise.all([broker.stop(), database.stop()]);
      if (process.env.CHAOS_KEEP === undefined) rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Registers `count` devices `<prefix>-0 .. <prefix>-(count-1)` (after the server migrated). */
export async function registerDevices(sql: postgres.Sql, prefix: string, count: number) {
  await sql`INSERT INTO devices (id) SELECT ${prefix} || '-' || g FROM generate_series(0, ${count - 1}) g
            ON CONFLICT DO NOTHING`;
}

/** Child pids of `pid` (PostgreSQL backends, checkpointer, WAL writer...). */
function children(pid: number): number[] {
  const out = Bun.spawnSync(['ps', '-o', 'pid=', '--ppid', String(pid)]).stdout.toString();
  return out
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((n) => n > 0);
}

/** Parent pid of `pid` (from /proc), or undefined once it is gone. */
function parentOf(pid: number): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
  } catch {
    return undefined;
  }
}

/**
 * Freezes (SIGSTOP) or thaws (SIGCONT) the whole PostgreSQL cluster. Stopping only the postmaster
 * would leave every existing backend serving queries, so the signal goes to its children too. On
 * thaw the postmaster's parent is continued as well: the harness runs it under `runuser`, which,
 * like `su`, stops itself when its child stops and would otherwise never reap it.
 */
export function signalPostgres(pid: number, signal: 'SIGSTOP' | 'SIGCONT'): void {
  const parent = signal === 'SIGCONT' ? parentOf(pid) : undefined;
  const targets = [pid, ...children(pid), ...(parent !== undefined && parent > 1 ? [parent] : [])];
  for (const target of targets) {
    try {
      process.kill(target, signal);
    } catch {
      // a backend that exited meanwhile
    }
  }
}
