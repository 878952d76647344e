/**
 * Shared pieces of the evidence tests: anomalies stored the way detection stores them (with their
 * outbox leaves in the same transaction), a registry per test on one local chain, and a JSON-RPC
 * proxy that can take the chain "down" without losing its state.
 */
import { createHash } from 'node:crypto';
import { deployEvidenceRegistry } from '@vigil/contracts/deploy';
import type { LocalChain } from '@vigil/contracts/local-chain';
import { createPublicClient, createWalletClient, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { Anomalies, type Anomaly, type NewAnomaly } from '../src/detection/schema';
import { connectEvidenceChain, type EvidenceChain } from '../src/evidence/chain';
import { enqueueEvidence } from '../src/evidence/outbox';
import { createLogger } from '../src/log';
import type { Database } from '../src/telemetry/database';

export const quietLog = createLogger('error');
export const MODEL_SHA256 = createHash('sha256').update('test model').digest();
export const T0 = Date.UTC(2026, 1, 1, 12, 0, 0);

/** A payload as a device would send it, and the anomaly row detection would store for it. */
export function anomalyRow(i: number, deviceId = 'dev-1'): NewAnomaly {
  const payload = Buffer.from(
    JSON.stringify({ ts: T0 + i * 1000, boot: 7, seq: i, metrics: { temperature: 20 + i } }),
  );
  return {
    deviceId,
    readingTs: new Date(T0 + i * 1000),
    readingBoot: 7,
    readingSeq: i,
    detectedAt: new Date(T0 + i * 1000 + 40),
    type: i % 2 === 0 ? 'spike' : 'tamper',
    severity: i % 3 === 0 ? 'critical' : 'high',
    score: 0.7 + i / 10_000,
    features: { value_z: 4.5 + i },
    payload,
    payloadSha256: createHash('sha256').update(payload).digest(),
    modelSha256: MODEL_SHA256,
    threshold: 0.62,
  };
}

/** Stores anomalies `from`..`from + count - 1` and their outbox leaves in one transaction. */
export async function storeAnomalies(
  database: Database,
  from: number,
  count: number,
): Promise<Anomaly[]> {
  return database.transaction(async (tx) => {
    const rows = await tx
      .insert(Anomalies)
      .values(Array.from({ length: count }, (_, k) => anomalyRow(from + k)))
      .returning();
    await enqueueEvidence(tx, rows);
    return rows;
  });
}

/** A fresh EvidenceRegistry on `node`, reached through `url` (the node's, or a proxy's). */
export async function freshRegistry(node: LocalChain, url = node.url): Promise<EvidenceChain> {
  const signer = node.accounts[0];
  if (signer === undefined) throw new Error('local chain without accounts');
  const account = privateKeyToAccount(signer.privateKey);
  const transport = http(node.url);
  const publicClient = createPublicClient({ transport, pollingInterval: 50 });
  const walletClient = createWalletClient({ account, transport });
  const registry = await deployEvidenceRegistry(walletClient, publicClient, {
    admin: account.address,
    anchorer: account.address,
  });
  return connectEvidenceChain({
    rpcUrl: url,
    registry,
    privateKey: signer.privateKey,
    pollingMs: 50,
  });
}

/** A JSON-RPC pass-through that answers 503 while `down` is set, as an unreachable node would. */
export function rpcProxy(target: string) {
  let down = false;
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      if (down) return new Response('chain unavailable', { status: 503 });
      const response = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: await request.text(),
      });
      return new Response(await response.text(), {
        status: response.status,
        headers: { 'content-type': 'application/json' },
      });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    setDown(value: boolean) {
      down = value;
    },
    stop: () => server.stop(true),
  };
}

/** Polls `check` until it returns true, or fails after `timeoutMs`. */
export async function eventually(
  check: () => Promise<boolean>,
  timeoutMs = 15_000,
  what = 'condition',
) {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await check()) return;
    await Bun.sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}
