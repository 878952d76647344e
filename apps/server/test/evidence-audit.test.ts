/**
 * The auditors' view: anomalies anchored by the server, then rows and raw payloads edited with
 * plain SQL; the audit (the module, and once the Hardhat task as a subprocess) must name exactly
 * the edited rows.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { resolve } from 'node:path';
import { type AuditReport, auditEvidence } from '@vigil/contracts/audit';
import { type LocalChain, startLocalChain } from '@vigil/contracts/local-chain';
import { sharedPostgres } from '@vigil/testkit';
import { SQL } from 'bun';
import { Registry } from 'prom-client';
import { createEvidence } from '../src/evidence';
import type { EvidenceChain } from '../src/evidence/chain';
import { type Database, openDatabase } from '../src/telemetry/database';
import { Readings } from '../src/telemetry/schema';
import {
  anomalyRow,
  eventually,
  freshRegistry,
  quietLog,
  storeAnomalies,
} from './evidence-support';

let node: LocalChain;
let database: Database;
let databaseUrl: string;
let auditDb: SQL;
let chain: EvidenceChain;

beforeAll(async () => {
  node = await startLocalChain();
  const cluster = await sharedPostgres();
  databaseUrl = await cluster.createDatabase();
  database = await openDatabase({ url: databaseUrl, dataDir: '' });
  auditDb = new SQL(databaseUrl, { max: 1 });
  chain = await freshRegistry(node);
  await storeAnomalies(database, 0, 6);
  // The readings the anomalies were detected on, so the audit can cross-check the payload hash.
  await database.db.insert(Readings).values(
    Array.from({ length: 6 }, (_, i) => {
      const row = anomalyRow(i);
      return {
        deviceId: row.deviceId,
        ts: row.readingTs,
        boot: row.readingBoot,
        seq: row.readingSeq,
        receivedAt: row.readingTs,
        metrics: {},
        payloadSha256: row.payloadSha256,
      };
    }),
  );
  const evidence = createEvidence({
    database,
    chain,
    log: quietLog,
    metrics: new Registry(),
    batchMs: 50,
    batchMax: 4,
  });
  await evidence.start();
  await eventually(async () => (await evidence.backlog()) === 0, 15_000, 'anchoring');
  await evidence.stop();
  await storeAnomalies(database, 6, 1); // id 7: waits in the outbox
});
afterAll(async () => {
  await auditDb.close();
  await database.close();
  await node.stop();
});

const audit = (scope: Parameters<typeof auditEvidence>[2] = {}) =>
  auditEvidence(auditDb, { publicClient: chain.publicClient, chainId: chain.chainId }, scope);

function statuses(report: AuditReport): Record<string, string> {
  return Object.fromEntries(report.findings.map((f) => [f.anomalyId.toString(), f.status]));
}

describe('evidence audit', () => {
  test('untouched evidence is OK; a waiting leaf is NOT YET ANCHORED', async () => {
    const report = await audit();
    expect(statuses(report)).toEqual({
      '1': 'OK',
      '2': 'OK',
      '3': 'OK',
      '4': 'OK',
      '5': 'OK',
      '6': 'OK',
      '7': 'NOT YET ANCHORED',
    });
    expect(report.failed).toBe(false);
    expect(report.findings[0]?.batchId).toBe(1n);
    expect(report.findings[5]?.batchId).toBe(2n);
  });

  test('an edited anomaly row is named TAMPERED, and only that row', async () => {
    await auditDb`update anomalies set score = score + 0.000001 where id = 2`;
    const report = await audit();
    expect(report.failed).toBe(true);
    expect(
      report.findings.filter((f) => f.status !== 'OK' && f.status !== 'NOT YET ANCHORED'),
    ).toEqual([
      {
        anomalyId: 2n,
        status: 'TAMPERED',
        detail: 'the record differs from the one anchored',
        batchId: 1n,
      },
    ]);
  });

  test('an edited raw payload is named TAMPERED, with the payload as the reason', async () => {
    await auditDb`update anomalies set payload = convert_to('{"ts":0,"boot":7,"seq":5,"metrics":{"temperature":20}}', 'UTF8') where id = 5`;
    const report = await audit({ anomalyId: 5n });
    expect(report.findings).toHaveLength(1);
    const [finding] = report.findings;
    expect(finding?.status).toBe('TAMPERED');
    expect(finding?.detail).toContain('the raw payload no longer has its recorded SHA-256');
    expect(finding?.detail).toContain("the raw payload differs from the reading's SHA-256");
    expect(statuses(await audit())).toMatchObject({
      '2': 'TAMPERED',
      '5': 'TAMPERED',
      '4': 'OK',
      '6': 'OK',
    });
  });

  test('a deleted anomaly is MISSING; the time range limits what is audited', async () => {
    await auditDb`delete from anomalies where id = 3`;
    expect(statuses(await audit({ anomalyId: 3n }))).toEqual({ '3': 'MISSING' });
    const from = anomalyRow(3).detectedAt as Date;
    const to = anomalyRow(5).detectedAt as Date;
    // Anomalies 4 and 5 were detected in [from, to); the deleted 3 is reported by every audit.
    expect(statuses(await audit({ from, to }))).toEqual({
      '3': 'MISSING',
      '4': 'OK',
      '5': 'TAMPERED',
    });
  });

  test('the Hardhat tasks report the same and exit non-zero', async () => {
    const run = async (args: string[]) => {
      const proc = Bun.spawn([process.execPath, '--bun', 'hardhat', ...args], {
        cwd: resolve(import.meta.dir, '../../../contracts'),
        env: { ...process.env, DATABASE_URL: databaseUrl, CHAIN_RPC_URL: node.url, NO_COLOR: '1' },
        stdout: 'pipe',
        stderr: 'pipe',
      });
      const [out, err] = await Promise.all([
        new Response(proc.stdout).text(),
        new Response(proc.stderr).text(),
      ]);
      return { code: await proc.exited, out, err };
    };
    const all = await run(['evidence:audit']);
    // `bun --bun hardhat` adds its own line on stderr for a non-zero exit; the report is stdout.
    expect(all.code).toBe(1);
    expect(all.out).toContain('anomaly 2: TAMPERED (batch 1)');
    expect(all.out).toContain('anomaly 5: TAMPERED (batch 2)');
    expect(all.out).toContain('anomaly 3: MISSING');
    expect(all.out).toContain('anomaly 4: OK (batch 1)');
    expect(all.out).toContain('anomaly 7: NOT YET ANCHORED');
    const one = await run(['evidence:verify', '--anomaly', '6']);
    expect({ code: one.code, out: one.out.split('\n')[0] }).toEqual({
      code: 0,
      out: 'anomaly 6: OK (batch 2) - verified against batch 2',
    });
    expect((await run(['evidence:verify', '--anomaly', 'x'])).code).toBe(2);
  }, 120_000);
});
