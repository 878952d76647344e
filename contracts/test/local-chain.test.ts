/**
 * The embedded server's chain: a Hardhat node over JSON-RPC on 127.0.0.1, with the registry
 * deployed and used by plain viem clients holding a private key, as in production.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createPublicClient, createWalletClient, type Hex, http, stringToBytes } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { hardhat } from 'viem/chains';
import { evidenceRegistryAbi } from '../src/abi';
import { anchorRoot } from '../src/anchor';
import { deployEvidenceRegistry } from '../src/deploy';
import { type LocalChain, startLocalChain } from '../src/local-chain';
import { buildEvidenceTree, hashLeaf } from '../src/merkle';

describe('a local chain', () => {
  let chain: LocalChain;
  let stopped = false;

  beforeAll(async () => {
    chain = await startLocalChain();
  }, 60_000);

  afterAll(async () => {
    if (!stopped) await chain.stop();
  });

  test('answers on 127.0.0.1 with the Hardhat chain id', () => {
    expect(chain.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(chain.chainId).toBe(hardhat.id);
    expect(chain.accounts.length).toBeGreaterThanOrEqual(2);
  });

  test('takes a deployment and an anchor from private-key viem clients', async () => {
    const [adminKey, anchorerKey] = chain.accounts;
    if (!adminKey || !anchorerKey) throw new Error('local chain handed out too few accounts');
    const transport = http(chain.url);
    const publicClient = createPublicClient({ chain: hardhat, transport });
    const wallet = (privateKey: Hex) =>
      createWalletClient({ account: privateKeyToAccount(privateKey), chain: hardhat, transport });
    const registry = await deployEvidenceRegistry(wallet(adminKey.privateKey), publicClient, {
      admin: adminKey.address,
      anchorer: anchorerKey.address,
    });

    const leaves = ['overheat', 'replay'].map((kind) => hashLeaf(stringToBytes(kind)));
    const tree = buildEvidenceTree(leaves);
    const anchored = await anchorRoot(wallet(anchorerKey.privateKey), publicClient, registry, {
      root: tree.root,
      leafCount: tree.leafCount,
      metaHash: hashLeaf(stringToBytes('local chain batch')),
    });
    expect(anchored.batchId).toBe(1n);
    const verified = await publicClient.readContract({
      address: registry,
      abi: evidenceRegistryAbi,
      functionName: 'verify',
      args: [anchored.batchId, leaves[1] as Hex, tree.proof(1)],
    });
    expect(verified).toBe(true);
  });

  test('the deploy script deploys with a key file and hands out the roles it was given', async () => {
    const [deployerKey, , anchorerKey] = chain.accounts;
    if (!deployerKey || !anchorerKey) throw new Error('local chain handed out too few accounts');
    const dir = mkdtempSync(join(tmpdir(), 'vigil-deploy-'));
    try {
      const keyFile = join(dir, 'deployer.key');
      writeFileSync(keyFile, `${deployerKey.privateKey}\n`, { mode: 0o600 });
      const script = resolve(import.meta.dir, '../scripts/deploy.ts');
      const run = Bun.spawnSync(
        [
          process.execPath,
          script,
          '--rpc-url',
          chain.url,
          '--key-file',
          keyFile,
          '--anchorer',
          anchorerKey.address,
        ],
        { stdout: 'pipe', stderr: 'pipe' },
      );
      expect(run.stderr.toString()).toBe('');
      expect(run.exitCode).toBe(0);
      const out = JSON.parse(run.stdout.toString()) as { address: Hex; chainId: number };
      expect(out.chainId).toBe(hardhat.id);

      const publicClient = createPublicClient({ chain: hardhat, transport: http(chain.url) });
      const hasRole = (role: Hex, account: Hex) =>
        publicClient.readContract({
          address: out.address,
          abi: evidenceRegistryAbi,
          functionName: 'hasRole',
          args: [role, account],
        });
      const anchorRole = await publicClient.readContract({
        address: out.address,
        abi: evidenceRegistryAbi,
        functionName: 'ANCHOR_ROLE',
      });
      expect(await hasRole(anchorRole, anchorerKey.address)).toBe(true);
      expect(await hasRole(anchorRole, deployerKey.address)).toBe(false);
      expect(await hasRole(`0x${'00'.repeat(32)}`, deployerKey.address)).toBe(true);

      writeFileSync(keyFile, 'not a key');
      const bad = Bun.spawnSync(
        [process.execPath, script, '--rpc-url', chain.url, '--key-file', keyFile],
        {
          stdout: 'pipe',
          stderr: 'pipe',
        },
      );
      expect(bad.exitCode).toBe(2);
      expect(bad.stderr.toString()).toContain('does not hold a 0x-prefixed 32-byte key');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  test('stops, after which its port refuses connections', async () => {
    await chain.stop();
    stopped = true;
    const afterStop = await fetch(chain.url, { method: 'POST', body: '{}' }).then(
      () => 'answered',
      () => 'refused',
    );
    expect(afterStop).toBe('refused');
  });
});

test('a port already in use is refused up front', async () => {
  const occupant = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  try {
    await expect(startLocalChain({ port: occupant.port })).rejects.toThrow(
      `port ${occupant.port} on 127.0.0.1 is already in use`,
    );
  } finally {
    occupant.stop(true);
  }
});

test('the node ends by itself when the process that started it is killed', async () => {
  const entry = resolve(import.meta.dir, '../src/local-chain.ts');
  const owner = Bun.spawn(
    [
      process.execPath,
      '-e',
      `const { startLocalChain } = await import(${JSON.stringify(entry)});
       console.log((await startLocalChain()).url);
       await Bun.sleep(60_000);`,
    ],
    { stdout: 'pipe', stderr: 'inherit' },
  );
  const reader = owner.stdout.getReader();
  const { value } = await reader.read();
  const url = new TextDecoder().decode(value).trim();
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(await answers(url)).toBe(true);

  owner.kill('SIGKILL');
  await owner.exited;
  const deadline = performance.now() + 5_000;
  while ((await answers(url)) && performance.now() < deadline) await Bun.sleep(100);
  expect(await answers(url)).toBe(false);
}, 60_000);

async function answers(url: string): Promise<boolean> {
  return fetch(url, { method: 'POST', body: '{}' }).then(
    () => true,
    () => false,
  );
}
