/**
 * A throwaway local EVM chain: a Hardhat JSON-RPC node in a child process, bound to 127.0.0.1.
 * The embedded server runs on one when no CHAIN_RPC_URL is configured, and tests use it to exercise
 * the same JSON-RPC path as production.
 */
import { resolve } from 'node:path';
import { type Hex, toHex } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';

/**
 * Hardhat's well-known development mnemonic. Its keys are public: they are only ever used on this
 * loopback-bound throwaway chain.
 */
const DEV_MNEMONIC = 'test test test test test test test test test test test junk';

/** Funded accounts handed out (the node funds 20; the server needs an admin and an anchorer). */
const ACCOUNT_COUNT = 4;

/** Raised when the node cannot be started or does not answer in time. */
export class LocalChainError extends Error {
  override readonly name = 'LocalChainError';
}

export type LocalChainOptions = {
  /** TCP port on 127.0.0.1; 0 or absent picks a free one. */
  port?: number;
  /** How long to wait for the node to answer `eth_chainId`; default 30 s. */
  startTimeoutMs?: number;
};

export type LocalChain = {
  /** JSON-RPC endpoint, e.g. http://127.0.0.1:8545. */
  url: string;
  chainId: number;
  /** Funded development accounts, first to last as the node orders them. */
  accounts: readonly { address: Hex; privateKey: Hex }[];
  /** Stops the node and waits for its process to end. */
  stop(): Promise<void>;
};

const contractsDir = resolve(import.meta.dir, '..');
/** Runs the node and ends it when its parent process is gone (see hardhat-node.ts). */
const nodeEntry = resolve(import.meta.dir, 'hardhat-node.ts');

/**
 * Starts a Hardhat node on 127.0.0.1 and resolves once it answers JSON-RPC.
 *
 * @throws LocalChainError when the process exits early, or does not answer within the timeout.
 */
export async function startLocalChain(options: LocalChainOptions = {}): Promise<LocalChain> {
  const port = options.port || freePort();
  // Without this check a node already on the port would answer for the one that failed to bind.
  if (!isPortFree(port)) throw new LocalChainError(`port ${port} on 127.0.0.1 is already in use`);
  const url = `http://127.0.0.1:${port}`;
  // Hardhat 3 wants Node 22; Bun's runtime serves it (`--bun`), whatever `node` is on the PATH.
  const proc = Bun.spawn(
    [process.execPath, '--bun', nodeEntry, '--hostname', '127.0.0.1', '--port', String(port)],
    { cwd: contractsDir, stdout: 'ignore', stderr: 'pipe', stdin: 'ignore' },
  );
  const stderr = new Response(proc.stderr).text();

  try {
    const chainId = await waitForChainId(url, proc, stderr, options.startTimeoutMs ?? 30_000);
    const accounts = Array.from({ length: ACCOUNT_COUNT }, (_, addressIndex) => {
      const account = mnemonicToAccount(DEV_MNEMONIC, { addressIndex });
      const key = account.getHdKey().privateKey;
      if (!key) throw new LocalChainError('development mnemonic yielded no private key');
      return { address: account.address, privateKey: toHex(key) };
    });
    await assertNodeAccounts(url, accounts);
    return {
      url,
      chainId,
      accounts,
      async stop() {
        proc.kill('SIGTERM');
        await proc.exited;
      },
    };
  } catch (error) {
    proc.kill('SIGKILL');
    await proc.exited;
    throw error;
  }
}

async function waitForChainId(
  url: string,
  proc: Bun.Subprocess,
  stderr: Promise<string>,
  timeoutMs: number,
): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new LocalChainError(
        `hardhat node exited (${proc.exitCode ?? proc.signalCode}) before answering: ${await stderr}`,
      );
    }
    const chainId = await rpc<Hex>(url, 'eth_chainId').catch(() => undefined);
    if (chainId !== undefined && proc.exitCode === null) return Number(chainId);
    await Bun.sleep(100);
  }
  throw new LocalChainError(`hardhat node at ${url} did not answer within ${timeoutMs} ms`);
}

/** The keys we derive must be the ones the node funds, or every transaction would fail later. */
async function assertNodeAccounts(url: string, accounts: readonly { address: Hex }[]) {
  const nodeAccounts = (await rpc<Hex[]>(url, 'eth_accounts')).map((a) => a.toLowerCase());
  for (const [index, { address }] of accounts.entries()) {
    if (nodeAccounts[index] !== address.toLowerCase()) {
      throw new LocalChainError(
        `hardhat node account #${index} is ${nodeAccounts[index]}, expected ${address}`,
      );
    }
  }
}

async function rpc<T>(url: string, method: string): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: [] }),
    signal: AbortSignal.timeout(2_000),
  });
  const body = (await response.json()) as { result?: T; error?: { message: string } };
  if (body.error || body.result === undefined) {
    throw new LocalChainError(`${method} failed: ${body.error?.message ?? 'no result'}`);
  }
  return body.result;
}

function isPortFree(port: number): boolean {
  try {
    Bun.listen({ hostname: '127.0.0.1', port, socket: { data() {} } }).stop(true);
    return true;
  } catch {
    return false;
  }
}

function freePort(): number {
  const server = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const { port } = server;
  server.stop(true);
  return port;
}
