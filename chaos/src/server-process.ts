/**
 * The real Vigil server (`bun apps/server/src/main.ts`) as a child process that a scenario can
 * SIGKILL and start again under the same MQTT client id, so its persistent broker session (and
 * the messages queued for it) is resumed exactly as a supervisor restarting it would.
 */
import { createWriteStream, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort } from '@vigil/testkit';
import type { Subprocess } from 'bun';

const SERVER_MAIN = resolve(import.meta.dir, '../../apps/server/src/main.ts');

/** The first admin every chaos server creates, so the runner can read the guarded /metrics. */
const ADMIN = { user: 'chaos', password: 'chaos-metrics-reader' };
const ADMIN_AUTH = `Basic ${Buffer.from(`${ADMIN.user}:${ADMIN.password}`).toString('base64')}`;

export type ServerOptions = {
  databaseUrl: string;
  /** CHAIN_RPC_URL, EVIDENCE_CONTRACT, CHAIN_KEY of the scenario's chain. */
  chainEnv: Record<string, string>;
  mqttUrl: string;
  clientId: string;
  /** Directory for the process's log file. */
  work: string;
  /** Extra environment (MQTT_SHARE_GROUP, MQTT_USERNAME, INGEST_*...). */
  env?: Record<string, string>;
};

/** Resident set size of a live process in MiB, or NaN once it is gone. */
export function rssMb(pid: number): number {
  try {
    const kb = Number(
      readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m)?.[1],
    );
    return kb / 1024;
  } catch {
    return Number.NaN;
  }
}

/** One server replica: start, SIGKILL, start again (same client id, same port), scrape. */
export class ServerProcess {
  #proc: Subprocess | undefined;
  #port = 0;
  #starts = 0;
  readonly logFile: string;

  constructor(private readonly options: ServerOptions) {
    this.logFile = join(options.work, `server-${options.clientId}.log`);
  }

  get pid(): number {
    return this.#proc?.pid ?? -1;
  }

  get port(): number {
    return this.#port;
  }

  /** True while the current process has not exited. */
  get alive(): boolean {
    return (
      this.#proc !== undefined && this.#proc.exitCode === null && this.#proc.signalCode === null
    );
  }

  /** Exit code or signal of the last process, for crash reports. */
  get exit(): string {
    return `${this.#proc?.exitCode ?? this.#proc?.signalCode ?? 'running'}`;
  }

  /**
   * Spawns the server and resolves once /health says ok — or, with `untilHealthy` false, once
   * HTTP answers at all (a restarted server reports the broker down until its SUBACK, which can
   * queue behind a large resumed backlog). Rejects after `timeoutMs`.
   */
  async start(timeoutMs = 30_000, untilHealthy = true): Promise<void> {
    if (this.#port === 0) this.#port = await freePort();
    this.#starts += 1;
    const proc = Bun.spawn(['bun', SERVER_MAIN], {
      env: {
        ...process.env,
        DATABASE_URL: this.options.databaseUrl,
        MQTT_URL: this.options.mqttUrl,
        MQTT_CLIENT_ID: this.options.clientId,
        PORT: String(this.#port),
        LOG_LEVEL: 'warn',
        ADMIN_USER: ADMIN.user,
        ADMIN_PASSWORD: ADMIN.password,
        ...this.options.chainEnv,
        ...this.options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#proc = proc;
    const sink = createWriteStream(this.logFile, { flags: 'a' });
    sink.write(`--- start ${this.#starts} pid ${proc.pid}\n`);
    void Promise.all([drain(proc.stdout, sink), drain(proc.stderr, sink)]).then(() => sink.end());
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.alive) throw new Error(`server exited (${this.exit}): ${this.logTail()}`);
      const status = await this.healthStatus();
      if (status === 200 || (!untilHealthy && status !== 0)) return;
      await Bun.sleep(50);
    }
    throw new Error(`server never became healthy within ${timeoutMs} ms: ${this.logTail()}`);
  }

  /** The last lines the server logged, for error messages (the work directory is removed). */
  logTail(lines = 5): string {
    try {
      return readFileSync(this.logFile, 'utf8').trim().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  async healthy(): Promise<boolean> {
    return (await this.healthStatus()) === 200;
  }

  /** HTTP status of /health, 0 when nothing answers. */
  async healthStatus(): Promise<number> {
    try {
      const response = await fetch(`http://127.0.0.1:${this.#port}/health`, {
        signal: AbortSignal.timeout(1000),
      });
      return response.status;
    } catch {
      return 0;
    }
  }

  /**
   * Sends `signal` and waits for the process to exit; a SIGTERM not obeyed within `graceMs` is
   * followed by SIGKILL (and counted in `unansweredTerms`).
   */
  async kill(signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL', graceMs = 10_000): Promise<void> {
    const proc = this.#proc;
    if (proc === undefined || !this.alive) return;
    proc.kill(signal);
    const exited = await Promise.race([
      proc.exited.then(() => true),
      Bun.sleep(graceMs).then(() => false),
    ]);
    if (exited) return;
    this.unansweredTerms += 1;
    proc.kill('SIGKILL');
    await proc.exited;
  }

  /** SIGTERMs the server did not obey within the grace period. */
  unansweredTerms = 0;

  #apiToken: string | undefined;

  /**
   * Creates an operator API token (stored in the database, so it outlives restarts) and calls
   * the API with it from now on: HTTP Basic hashes the password on every request and sign-ins are
   * rate-limited, which a scenario sending many commands would run into.
   */
  async useApiToken(): Promise<void> {
    const response = await fetch(`http://127.0.0.1:${this.#port}/auth/tokens`, {
      method: 'POST',
      headers: { authorization: ADMIN_AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `chaos-${this.options.clientId}`, role: 'operator' }),
      signal: AbortSignal.timeout(15_000),
    });
    if (!response.ok) throw new Error(`/auth/tokens answered ${response.status}`);
    this.#apiToken = ((await response.json()) as { token: string }).token;
  }

  /**
   * Calls a tRPC mutation (as the API token's operator, else the admin) and returns its data;
   * throws with the server's error message when it answers with an error, and on a timeout.
   */
  async mutation<T>(path: string, input: unknown, timeoutMs = 15_000): Promise<T> {
    const authorization = this.#apiToken === undefined ? ADMIN_AUTH : `Bearer ${this.#apiToken}`;
    const response = await fetch(`http://127.0.0.1:${this.#port}/trpc/${path}`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify(input),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await response.json()) as {
      result?: { data: T };
      error?: { message: string };
    };
    if (body.result === undefined) {
      throw new Error(`${path} answered ${response.status}: ${body.error?.message ?? '?'}`);
    }
    return body.result.data;
  }

  /**
   * The server's Prometheus text. /metrics needs a viewer, and HTTP Basic verifies the password
   * hash on every request (deliberately slow), so the timeout is generous; a failure throws rather
   * than reading as zero.
   */
  async metrics(): Promise<string> {
    const response = await fetch(`http://127.0.0.1:${this.#port}/metrics`, {
      headers: { authorization: ADMIN_AUTH },
      signal: AbortSignal.timeout(15_000),
    });
    if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
    return await response.text();
  }
}

async function drain(
  stream: ReadableStream<Uint8Array>,
  sink: ReturnType<typeof createWriteStream>,
): Promise<void> {
  for await (const chunk of stream) sink.write(chunk);
}
