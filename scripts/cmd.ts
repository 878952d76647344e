/**
 * `bun run cmd <device> <name> [key=value ...]`: sends a command through the server's API, as the
 * dashboard does, and waits for its final status.
 *
 *   bun run cmd sensor-001 set_servo angle=90
 *   bun run cmd sensor-001 defense on=true --ttl=60000
 *   bun run cmd sensor-001 --list          (the device's catalogue)
 *
 * VIGIL_URL (default http://127.0.0.1:3000); credentials: VIGIL_TOKEN (an API token, sent as
 * Bearer) or VIGIL_USER and VIGIL_PASSWORD (signs in once); send needs the operator role.
 * Values: true/false, numbers, JSON, else text.
 * Exit codes: 0 done; 1 rejected, failed or expired; 2 bad usage or parameters; 3 server or auth.
 */

const EXIT = { done: 0, outcome: 1, usage: 2, server: 3 } as const;
const FINAL = new Set(['done', 'rejected', 'failed', 'expired']);
const POLL_MS = 25;
/** How long past the command's expiry to keep waiting for the server's final word. */
const WAIT_PAST_EXPIRY_MS = 35_000;

type Command = {
  id: string;
  status: string;
  expiresAt: string;
  result: unknown;
  error: string | null;
};
type CatalogueEntry = { name: string; label: string; params: { properties?: object } };

class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** Parses `key=value` words into command parameters. */
export function parseParams(words: readonly string[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const word of words) {
    const at = word.indexOf('=');
    if (at <= 0) throw new CliError(`parameter '${word}' is not key=value`, EXIT.usage);
    params[word.slice(0, at)] = parseValue(word.slice(at + 1));
  }
  return params;
}

function parseValue(text: string): unknown {
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Credential headers from the environment: a Bearer token, or a session signed in once with
 * VIGIL_USER/VIGIL_PASSWORD (not HTTP Basic on every poll: each Basic request costs a password hash).
 */
async function credentials(
  base: string,
  env: Record<string, string | undefined>,
): Promise<Record<string, string>> {
  if (env.VIGIL_TOKEN) return { authorization: `Bearer ${env.VIGIL_TOKEN}` };
  if (!env.VIGIL_USER) return {};
  let response: Response;
  try {
    response = await fetch(`${base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: env.VIGIL_USER, password: env.VIGIL_PASSWORD ?? '' }),
    });
  } catch (error) {
    throw new CliError(`cannot reach ${base}: ${(error as Error).message}`, EXIT.server);
  }
  const session = /vigil_session=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')?.[1];
  if (!response.ok || session === undefined) {
    throw new CliError(`sign-in as ${env.VIGIL_USER} failed: HTTP ${response.status}`, EXIT.server);
  }
  return { cookie: `vigil_session=${session}` };
}

function client(base: string, auth: Record<string, string>) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...auth };
  const unwrap = async (response: Response) => {
    const body = (await response.json().catch(() => null)) as {
      result?: { data: unknown };
      error?: { message: string; data?: { code?: string } };
    } | null;
    if (body?.result !== undefined) return body.result.data;
    const code = body?.error?.data?.code ?? `HTTP ${response.status}`;
    let message = body?.error?.message ?? (body as { error?: unknown } | null)?.error;
    if (typeof message !== 'string') message = response.statusText;
    if (response.status === 401) message += ' (set VIGIL_TOKEN, or VIGIL_USER and VIGIL_PASSWORD)';
    throw new CliError(
      `${code}: ${message}`,
      code === 'BAD_REQUEST' || code === 'NOT_FOUND' ? EXIT.usage : EXIT.server,
    );
  };
  const call = async (init: () => Promise<Response>) => {
    try {
      return await unwrap(await init());
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new CliError(`cannot reach ${base}: ${(error as Error).message}`, EXIT.server);
    }
  };
  return {
    query: (path: string, input: unknown) =>
      call(() =>
        fetch(`${base}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, {
          headers,
        }),
      ),
    mutation: (path: string, input: unknown) =>
      call(() =>
        fetch(`${base}/trpc/${path}`, { method: 'POST', headers, body: JSON.stringify(input) }),
      ),
  };
}

function describeCatalogue(deviceId: string, model: string, commands: CatalogueEntry[]): string {
  const lines = commands.map((c) => {
    const keys = Object.keys(c.params.properties ?? {});
    return `  ${c.name}${keys.map((k) => ` ${k}=...`).join('')}    ${c.label}`;
  });
  return `commands of ${deviceId} (model ${model}):\n${lines.join('\n')}`;
}

async function main(argv: string[]): Promise<number> {
  const flags = argv.filter((a) => a.startsWith('--'));
  const words = argv.filter((a) => !a.startsWith('--'));
  const [deviceId, name, ...rest] = words;
  if (deviceId === undefined || (name === undefined && !flags.includes('--list'))) {
    throw new CliError(
      'usage: bun run cmd <device> <name> [key=value ...] [--ttl=<ms>]\n       bun run cmd <device> --list',
      EXIT.usage,
    );
  }
  const base = process.env.VIGIL_URL ?? 'http://127.0.0.1:3000';
  const api = client(base, await credentials(base, process.env));
  const catalogue = async () => {
    const c = (await api.query('commands.catalogue', { deviceId })) as {
      model: string;
      commands: CatalogueEntry[];
    };
    return describeCatalogue(deviceId, c.model, c.commands);
  };
  if (name === undefined) {
    console.log(await catalogue());
    return EXIT.done;
  }
  const ttl = flags.find((f) => f.startsWith('--ttl='))?.slice('--ttl='.length);
  const unknown = flags.filter((f) => f !== '--list' && !f.startsWith('--ttl='));
  if (unknown.length > 0) throw new CliError(`unknown option ${unknown[0]}`, EXIT.usage);
  if (ttl !== undefined && !/^\d+$/.test(ttl)) {
    throw new CliError('--ttl must be a whole number of milliseconds', EXIT.usage);
  }

  const started = performance.now();
  let command: Command;
  try {
    command = (await api.mutation('commands.send', {
      deviceId,
      name,
      params: parseParams(rest),
      ...(ttl !== undefined ? { ttlMs: Number(ttl) } : {}),
    })) as Command;
  } catch (error) {
    if (error instanceof CliError && error.message.startsWith('BAD_REQUEST')) {
      const help = await catalogue().catch(() => '');
      throw new CliError(`${error.message}${help === '' ? '' : `\n${help}`}`, EXIT.usage);
    }
    throw error;
  }
  console.log(`${command.id} ${name} -> ${deviceId}: ${command.status}`);
  let last = command.status;
  const deadline = Date.parse(command.expiresAt) + WAIT_PAST_EXPIRY_MS;
  while (!FINAL.has(command.status)) {
    if (Date.now() > deadline) {
      throw new CliError(`no final status by ${new Date(deadline).toISOString()}`, EXIT.server);
    }
    await Bun.sleep(POLL_MS);
    command = (await api.query('commands.get', { id: command.id })) as Command;
    if (command.status !== last && !FINAL.has(command.status)) console.log(`  ${command.status}`);
    last = command.status;
  }
  const elapsed = Math.round(performance.now() - started);
  const detail = command.error ?? (command.result === null ? '' : JSON.stringify(command.result));
  console.log(`${command.status}${detail === '' ? '' : ` ${detail}`} (${elapsed} ms)`);
  return command.status === 'done' ? EXIT.done : EXIT.outcome;
}

if (import.meta.main) {
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    console.error(error.message);
    process.exitCode = error.exitCode;
  }
}
