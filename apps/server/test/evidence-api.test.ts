/**
 * Anomalies and their evidence through the REST edge and tRPC, on PostgreSQL and a local chain:
 * listing and paging, evidence with a proof that verifies on chain, and verification failing
 * once a stored anomaly is edited.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { type LocalChain, startLocalChain } from '@vigil/contracts/local-chain';
import { sharedPostgres } from '@vigil/testkit';
import { sql } from 'drizzle-orm';
import { Registry } from 'prom-client';
import type { AnomalyView } from '../src/detection/queries';
import { createEvidence, type Evidence } from '../src/evidence';
import type { EvidenceChain } from '../src/evidence/chain';
import type { EvidenceDetail, EvidenceView, VerifyResult } from '../src/evidence/queries';
import { type Database, openDatabase } from '../src/telemetry/database';
import { eventually, freshRegistry, quietLog, storeAnomalies } from './evidence-support';
import { bearer, buildApp, type TestApp } from './support/app';

let node: LocalChain;
let database: Database;
let chain: EvidenceChain;
let evidence: Evidence;
let subject: TestApp;
let authorization: string;

beforeAll(async () => {
  node = await startLocalChain();
  const cluster = await sharedPostgres();
  database = await openDatabase({ url: await cluster.createDatabase(), dataDir: '' });
  chain = await freshRegistry(node);
  await storeAnomalies(database, 0, 5);
  evidence = createEvidence({
    database,
    chain,
    log: quietLog,
    metrics: new Registry(),
    batchMs: 50,
  });
  await evidence.start();
  await eventually(async () => (await evidence.backlog()) === 0, 15_000, 'anchoring');
  await storeAnomalies(database, 5, 1); // stays in the outbox: the service is stopped
  await evidence.stop();
  subject = buildApp(database, undefined, undefined, chain);
  authorization = await bearer(database);
});
afterAll(async () => {
  await database.close();
  await node.stop();
});

async function get<T>(path: string): Promise<{ status: number; body: T }> {
  const response = await subject.app.handle(
    new Request(`http://vigil.test${path}`, { headers: { authorization } }),
  );
  return { status: response.status, body: (await response.json()) as T };
}

type Page = { anomalies: AnomalyView<EvidenceView>[]; nextBefore: string | null };

describe('anomalies and evidence over REST', () => {
  test('newest first, paged, each with its evidence status', async () => {
    const first = await get<Page>('/anomalies?limit=4');
    expect(first.status).toBe(200);
    expect(first.body.anomalies.map((a) => a.id)).toEqual(['6', '5', '4', '3']);
    expect(first.body.anomalies[0]?.evidence).toEqual({
      status: 'pending',
      batchId: null,
      root: null,
      txHash: null,
      blockNumber: null,
    });
    expect(first.body.anomalies[1]?.evidence).toMatchObject({ status: 'anchored', batchId: '1' });
    expect(first.body.nextBefore).toBe('3');
    const rest = await get<Page>('/anomalies?limit=4&before=3');
    expect(rest.body).toMatchObject({ nextBefore: null });
    expect(rest.body.anomalies.map((a) => a.id)).toEqual(['2', '1']);
    expect((await get<Page>('/anomalies?deviceId=nobody')).body.anomalies).toEqual([]);
    expect((await get('/anomalies/99')).status).toBe(404);
    expect((await get('/anomalies/abc')).status).toBe(400);
  });

  test('evidence carries batch, root, tx, block and a proof the chain accepts', async () => {
    const { status, body } = await get<EvidenceDetail>('/anomalies/2/evidence');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      anomalyId: '2',
      status: 'anchored',
      batchId: '1',
      chainId: chain.chainId,
      contractAddress: chain.registry,
    });
    expect(body.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(body.proof.length).toBeGreaterThan(0);
    const verified = await get<VerifyResult>('/anomalies/2/evidence/verify');
    expect(verified.body).toMatchObject({
      verified: true,
      onChainRoot: body.root,
      recomputedRoot: body.root,
    });
    const pending = await get<VerifyResult>('/anomalies/6/evidence/verify');
    expect(pending.body).toMatchObject({ verified: false, detail: 'not anchored yet' });
  });

  test('tRPC verify fails once the stored record is edited, and names it tampered', async () => {
    const call = async <T>(path: string, input: unknown, method: 'GET' | 'POST'): Promise<T> => {
      const url =
        method === 'GET'
          ? `http://vigil.test/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`
          : `http://vigil.test/trpc/${path}`;
      const response = await subject.app.handle(
        new Request(url, {
          method,
          headers: { authorization, 'content-type': 'application/json' },
          ...(method === 'POST' ? { body: JSON.stringify(input) } : {}),
        }),
      );
      const body = (await response.json()) as { result?: { data: T }; error?: unknown };
      if (body.result === undefined) throw new Error(JSON.stringify(body.error));
      return body.result.data;
    };
    expect((await call<VerifyResult>('evidence.verify', { anomalyId: '3' }, 'POST')).verified).toBe(
      true,
    );
    await database.execute(sql`update anomalies set severity = 'low' where id = 3`);
    const after = await call<VerifyResult>('evidence.verify', { anomalyId: '3' }, 'POST');
    expect(after.verified).toBe(false);
    expect(after.detail).toMatch(/^TAMPERED/);
    expect(after.recomputedRoot).not.toBe(after.onChainRoot);
    const listed = await call<Page>('anomalies.list', { deviceId: 'dev-1', limit: 1 }, 'GET');
    expect(listed.anomalies[0]?.id).toBe('6');
    const one = await call<AnomalyView<EvidenceView>>('anomalies.get', { id: '2' }, 'GET');
    expect(one).toMatchObject({ id: '2', deviceId: 'dev-1', evidence: { status: 'anchored' } });
    const full = await call<EvidenceDetail>('evidence.get', { anomalyId: '2' }, 'GET');
    expect(full.proof.length).toBeGreaterThan(0);
    const acknowledged = await call<{ id: string }>('anomalies.acknowledge', { id: '6' }, 'POST');
    expect(acknowledged).toMatchObject({ id: '6' });
  });
});
