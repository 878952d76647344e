import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQL } from 'bun';
import { postgresBinDir } from './binaries';
import { freePort, waitForPort } from './ports';
import { reapWithParent } from './reaper';

export type PostgresOptions = {
  /** Keep fsync and synchronous commit on, as production runs (benchmarks). Tests default to off. */
  durable?: boolean;
};

export type RunningPostgres = {
  /** Connection URL of the `postgres` database as the `postgres` superuser. */
  url: string;
  port: number;
  /** PID of the postmaster (for fault injection: see signalPostgres). */
  pid: number;
  /** Creates an empty database and returns its URL. */
  createDatabase(): Promise<string>;
  stop(): Promise<void>;
};

const isRoot = process.getuid?.() === 0;

/** Runs a command as the `postgres` user when we are root (initdb and postgres refuse root). */
function asPostgres(cmd: string[]): string[] {
  return isRoot ? ['runuser', '-u', 'postgres', '--', ...cmd] : cmd;
}

let databaseCounter = 0;

/**
 * Starts a throwaway PostgreSQL cluster (initdb) on a free loopback port. The cluster and its
 * directory are removed by stop(), or by a reaper when this process dies.
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<RunningPostgres> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'vigil-pg-'));
  chmodSync(dir, 0o755);
  if (isRoot) {
    const uid = Number(Bun.spawnSync(['id', '-u', 'postgres']).stdout.toString().trim());
    const gid = Number(Bun.spawnSync(['id', '-g', 'postgres']).stdout.toString().trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const init = Bun.spawnSync(
    asPostgres([
      `${bin}/initdb`,
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-instructions',
    ]),
    { stdout: 'pipe', stderr: 'pipe' },
  );
  if (init.exitCode !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${init.stderr.toString().trim()}`);
  }
  const port = await freePort();
  const durability = options.durable
    ? []
    : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'];
  const server = Bun.spawn(
    asPostgres([
      `${bin}/postgres`,
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'max_connections=200',
      '-c',
      'shared_buffers=256MB',
      '-c',
      'logging_collector=off',
      ...durability,
    ]),
    { stdout: 'ignore', stderr: 'pipe' },
  );
  try {
    await waitForPort(port, 15_000);
  } catch (error) {
    server.kill();
    const log = await new Response(server.stderr).text().catch(() => '');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`postgres did not start: ${(error as Error).message}\n${log}`);
  }
  const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  reapWithParent(pid, dir, 'INT');
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await waitForQuery(url);

  return {
    url,
    port,
    pid,
    async createDatabase() {
      databaseCounter += 1;
      const name = `vigil_test_${process.pid}_${databaseCounter}`;
      const admin = new SQL(url);
      try {
        await admin.unsafe(`CREATE DATABASE ${name}`);
      } finally {
        await admin.close();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      // A frozen cluster (or its stopped `runuser` parent) would never exit or be reaped.
      signalPostgres(pid, 'SIGCONT');
      try {
        process.kill(pid, 'SIGINT');
      } catch {
        // already gone
      }
      const exited = await Promise.race([
        server.exited.then(() => true),
        Bun.sleep(STOP_GRACE_MS).then(() => false),
      ]);
      if (!exited) {
        // Fast shutdown did not finish: immediate shutdown, then the process itself.
        for (const target of [pid, ...childrenOf(pid)]) sendSignal(target, 'SIGQUIT');
        await Promise.race([server.exited, Bun.sleep(2000)]);
        sendSignal(pid, 'SIGKILL');
        server.kill('SIGKILL');
        await server.exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** How long a fast shutdown (SIGINT) may take before stop() escalates. */
const STOP_GRACE_MS = 10_000;

/**
 * Freezes (SIGSTOP) or thaws (SIGCONT) a whole PostgreSQL cluster, given its postmaster's pid.
 * Stopping only the postmaster would leave every existing backend serving queries, so the signal
 * goes to its children (backends, checkpointer, WAL writer...) too. On thaw the postmaster's
 * parent is continued as well: as root the harness runs it under `runuser`, which, like `su`,
 * stops itself when its child stops and would otherwise never reap it.
 */
export function signalPostgres(pid: number, signal: 'SIGSTOP' | 'SIGCONT'): void {
  const parent = signal === 'SIGCONT' ? parentOf(pid) : undefined;
  const targets = [
    pid,
    ...childrenOf(pid),
    ...(parent !== undefined && parent > 1 ? [parent] : []),
  ];
  for (const target of targets) sendSignal(target, signal);
}

function sendSignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // a process that exited meanwhile
  }
}

/** Child pids of `pid`. */
function childrenOf(pid: number): number[] {
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

/** The port opens before the cluster accepts queries; wait for a real round trip. */
async function waitForQuery(url: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const sql = new SQL(url);
    try {
      await sql`select 1`;
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`postgres never answered a query: ${(error as Error).message}`);
      await Bun.sleep(100);
    } finally {
      await sql.close();
    }
  }
}
