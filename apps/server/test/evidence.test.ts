/**
 * Evidence anchoring against real PostgreSQL and a real local chain (a Hardhat node): batches
 * end to end with on-chain proof checks, a chain outage, a crash between sending and recording,
 * and a chain that forgot everything (the embedded chain after a restart).
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { evidenceRegistryAbi } from '@vigil/contracts/abi';
import { type LocalChain, startLocalChain } from '@vigil/contracts/local-chain';
import { sharedPostgres } from '@vigil/testkit';
import { asc, eq } from 'drizzle-orm';
import { Registry } from 'prom-client';
import { bytesToHex, type Hex } from 'viem';
import { Anomalies } from '../src/detection/schema';
import { createEventBus, type VigilEvent } from '../src/events/bus';
import { createEvidence, type Evidence, type EvidenceOptions } from '../src/evidence';
import type { EvidenceChain } from '../src/evidence/chain';
import { leafOfAnomaly } from '../src/evidence/record';
import { EvidenceBatches, EvidenceOutbox, EvidenceProofs } from '../src/evidence/schema';
import { type Database, openDatabase } from '../src/telemetry/database';
import { eventually, freshRegistry, quietLog, rpcProxy, storeAnomalies } from './evidence-support';

let node: LocalChain;
const open: Array<{ close(): Promise<unknown> }> = [];
const services: Evidence[] = [];

beforeAll(async () => {
  node = await startLocalChain();
});
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.stop(1000)));
  await Promise.all(open.splice(0).map((o) => o.close()));
});
afterAll(() => node.stop());

async function freshDatabase(): Promise<Database> {
  const cluster = await sharedPostgres();
  const database = await openDatabase({ url: await cluster.createDatabase(), dataDir: '' });
  open.push(database);
  return database;
}

function service(options: Partial<EvidenceOptions> & Pick<EvidenceOptions, 'database' | 'chain'>) {
  const evidence = createEvidence({
    log: quietLog,
    metrics: new Registry(),
    batchMs: 100,
    maxBackoffMs: 200,
    ...options,
  });
  services.push(evidence);
  return evidence;
}

async function chainBatchCount(chain: EvidenceChain): Promise<bigint> {
  return chain.publicClient.readContract({
    address: chain.registry,
    abi: evidenceRegistryAbi,
    functionName: 'batchCount',
  });
}

/** Checks every anomaly's recomputed leaf against the chain with its stored proof. */
async function expectAllVerifyOnChain(database: Database, chain: EvidenceChain, count: number) {
  const rows = await database.db
    .select({ anomaly: Anomalies, proof: EvidenceProofs, batch: EvidenceBatches })
    .from(Anomalies)
    .innerJoin(EvidenceProofs, eq(EvidenceProofs.anomalyId, Anomalies.id))
    .innerJoin(EvidenceBatches, eq(EvidenceBatches.id, EvidenceProofs.batchId))
    .where(eq(EvidenceBatches.status, 'anchored'))
    .orderBy(asc(Anomalies.id));
  expect(rows).toHaveLength(count);
  for (const { anomaly, proof, batch } of rows) {
    const leaf = leafOfAnomaly(anomaly);
    expect(bytesToHex(proof.leaf)).toBe(leaf);
    const ok = await chain.publicClient.readContract({
      address: chain.registry,
      abi: evidenceRegistryAbi,
      functionName: 'verify',
      args: [BigInt(batch.chainBatchId ?? 0), leaf, proof.proof as Hex[]],
    });
    expect(ok).toBe(true);
  }
}

describe('evidence anchoring', () => {
  test('anomalies are anchored in batches of at most batchMax; every proof verifies on chain', async () => {
    const database = await freshDatabase();
    const chain = await freshRegistry(node);
    const bus = createEventBus();
    const events: VigilEvent[] = [];
    bus.subscribe((event) => events.push(event));
    const evidence = service({ database, chain, bus, batchMax: 10 });
    await storeAnomalies(database, 0, 25);
    await evidence.start();
    await eventually(async () => (await evidence.backlog()) === 0, 15_000, 'backlog drained');

    const batches = await database.db
      .select()
      .from(EvidenceBatches)
      .orderBy(asc(EvidenceBatches.id));
    expect(batches.map((b) => [b.status, b.leafCount, b.chainBatchId])).toEqual([
      ['anchored', 10, 1],
      ['anchored', 10, 2],
      ['anchored', 5, 3],
    ]);
    for (const batch of batches) {
      expect(batch.txHash).toMatch(/^0x[0-9a-f]{64}$/);
      expect(batch.blockNumber).toBeGreaterThan(0);
    }
    expect(await chainBatchCount(chain)).toBe(3n);
    await expectAllVerifyOnChain(database, chain, 25);
    const anchored = events.filter((e) => e.type === 'evidence');
    expect(anchored).toHaveLength(25);
    expect(anchored[0]).toMatchObject({
      deviceId: 'dev-1',
      evidence: { status: 'anchored', batchId: '1' },
    });
  });

  test('1,000 anomalies go into one transaction', async () => {
    const database = await freshDatabase();
    const chain = await freshRegistry(node);
    await storeAnomalies(database, 0, 1000);
    const evidence = service({ database, chain, batchMax: 1000 });
    await evidence.start();
    await eventually(async () => (await evidence.backlog()) === 0, 20_000, 'backlog drained');
    const batches = await database.db.select().from(EvidenceBatches);
    expect(batches.map((b) => b.leafCount)).toEqual([1000]);
    expect(await chainBatchCount(chain)).toBe(1n);
    const proofs = await database.db.select().from(EvidenceProofs);
    expect(proofs).toHaveLength(1000);
  });

  test('a chain outage loses nothing: the backlog drains when the chain returns', async () => {
    const database = await freshDatabase();
    const proxy = rpcProxy(node.url);
    open.push({ close: async () => proxy.stop() });
    const chain = await freshRegistry(node, proxy.url);
    const metrics = new Registry();
    const evidence = service({ database, chain, metrics, batchMax: 5 });
    await evidence.start();
    await storeAnomalies(database, 0, 3);
    await eventually(async () => (await evidence.backlog()) === 0, 10_000, 'first batch');

    proxy.setDown(true);
    await storeAnomalies(database, 3, 12);
    await Bun.sleep(1500);
    expect(await evidence.backlog()).toBe(12);
    const errors = await metrics.getSingleMetricAsString('vigil_evidence_anchor_errors_total');
    expect(Number(errors.trim().split(' ').at(-1))).toBeGreaterThan(0);

    proxy.setDown(false);
    await eventually(async () => (await evidence.backlog()) === 0, 15_000, 'backlog drained');
    await expectAllVerifyOnChain(database, chain, 15);
    const batches = await database.db.select().from(EvidenceBatches);
    expect(batches.every((b) => b.status === 'anchored')).toBe(true);
    expect(await chainBatchCount(chain)).toBe(BigInt(batches.length));
  });

  test('a crash between sending and recording anchors the batch exactly once', async () => {
    const database = await freshDatabase();
    const chain = await freshRegistry(node);
    await storeAnomalies(database, 0, 7);
    let sent = 0;
    // The first service "dies" right after its transaction went out: it never records anything.
    const crashed = service({
      database,
      chain,
      afterSend: () => {
        sent += 1;
        return new Promise<void>(() => {});
      },
    });
    await crashed.start();
    await eventually(async () => sent === 1, 10_000, 'the anchor transaction');
    const [pending] = await database.db.select().from(EvidenceBatches);
    expect(pending?.status).toBe('pending');
    expect(pending?.txHash).toMatch(/^0x/);
    expect(await chainBatchCount(chain)).toBe(1n);

    const restarted = service({ database, chain });
    await restarted.start();
    await eventually(async () => (await restarted.backlog()) === 0, 10_000, 'recovery');
    expect(await chainBatchCount(chain)).toBe(1n);
    const batches = await database.db.select().from(EvidenceBatches);
    expect(batches.map((b) => [b.status, b.chainBatchId, b.txHash])).toEqual([
      ['anchored', 1, pending?.txHash ?? null],
    ]);
    await expectAllVerifyOnChain(database, chain, 7);
  });

  test('a pending batch whose transaction never left is sent on restart, once', async () => {
    const database = await freshDatabase();
    const chain = await freshRegistry(node);
    await storeAnomalies(database, 0, 4);
    // Simulates a crash after the batch was recorded but before anything was sent.
    const { createEvidenceStore } = await import('../src/evidence/store');
    const planned = await createEvidenceStore(database, {
      chainId: chain.chainId,
      address: chain.registry,
    }).planBatch(100, 0);
    expect(planned?.anomalyIds).toHaveLength(4);
    const evidence = service({ database, chain });
    await evidence.start();
    await eventually(async () => (await evidence.backlog()) === 0, 10_000, 'recovery');
    expect(await chainBatchCount(chain)).toBe(1n);
    await expectAllVerifyOnChain(database, chain, 4);
  });

  test('a chain that forgot its batches (embedded restart) gets every anomaly anchored again', async () => {
    const database = await freshDatabase();
    // The embedded chain lives in memory: a restart is a new node, and the registry, deployed by
    // the same account at the same nonce, lands at the very same address.
    const firstNode = await startLocalChain();
    const first = await freshRegistry(firstNode);
    await storeAnomalies(database, 0, 6);
    const before = service({ database, chain: first, batchMax: 4 });
    await before.start();
    await eventually(async () => (await before.backlog()) === 0, 10_000, 'first anchoring');
    await before.stop();
    await firstNode.stop();

    const secondNode = await startLocalChain();
    open.push({ close: () => secondNode.stop() });
    const second = await freshRegistry(secondNode);
    expect(second.registry).toBe(first.registry);
    const after = service({ database, chain: second, batchMax: 100 });
    await after.start();
    await eventually(async () => (await after.backlog()) === 0, 10_000, 're-anchoring');

    const batches = await database.db
      .select()
      .from(EvidenceBatches)
      .orderBy(asc(EvidenceBatches.id));
    expect(batches.map((b) => [b.status, b.leafCount])).toEqual([
      ['lost', 4],
      ['lost', 2],
      ['anchored', 6],
    ]);
    await expectAllVerifyOnChain(database, second, 6);
    expect(await database.db.select().from(EvidenceOutbox)).toEqual([]);
  });
});
