/**
 * The short version of every chaos scenario (`bun run chaos -- --short` runs the same sizes):
 * real server processes, Mosquitto and PostgreSQL, a few seconds of load each.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { type SharedServices, shareServices, startSharedServices } from '../src/cluster';
import { formatResult, isBroken, type ScenarioResult } from '../src/report';
import { BROKER_RESTART, brokerRestart } from '../src/scenarios/broker-restart';
import { CHAIN_OUTAGE, chainOutage } from '../src/scenarios/chain-outage';
import { COMMAND_DELIVERY, commandDelivery } from '../src/scenarios/command-delivery';
import { CONNECTION_ABUSE, connectionAbuse } from '../src/scenarios/connection-abuse';
import { CRASH_LOOP, crashLoop } from '../src/scenarios/crash-loop';
import { DB_STALL, dbStall } from '../src/scenarios/db-stall';
import { MALFORMED_FLOOD, malformedFlood } from '../src/scenarios/malformed-flood';
import { SCALE_OUT, scaleOut } from '../src/scenarios/scale-out';

let services: SharedServices;

beforeAll(async () => {
  services = await startSharedServices();
  shareServices(services);
}, 60_000);

afterAll(async () => {
  shareServices(undefined);
  await services.postgres.stop();
  await services.chain.stop();
}, 60_000);

/** Fails with the scenario's whole report, so a broken promise says which figure broke it. */
function expectHeld(result: ScenarioResult, except: string[] = []): void {
  const broken = result.claims.filter((c) => !c.held && !except.includes(c.claim));
  expect(broken.length === 0 ? 'held' : formatResult(result)).toBe('held');
}

describe('chaos, short', () => {
  test('server SIGKILL loop: nothing lost or duplicated, ingest resumes', async () => {
    expectHeld(await crashLoop(CRASH_LOOP.short));
  }, 120_000);

  test('database frozen: nothing lost, RSS flat, backlog drains at >= 2x', async () => {
    expectHeld(await dbStall(DB_STALL.short));
  }, 120_000);

  test("database frozen under Mosquitto's default queue limit: messages are lost", async () => {
    const result = await dbStall({ ...DB_STALL.short, shipped: false });
    expect(result.figures.lost).toBeGreaterThan(0);
    expect(isBroken(result)).toBe(false);
  }, 120_000);

  test('broker SIGKILL: every loss shows as a per-device seq gap', async () => {
    const result = await brokerRestart({
      ...BROKER_RESTART.short,
      signal: 'SIGKILL',
      shareGroup: 'vigil',
    });
    expectHeld(result);
  }, 120_000);

  test('broker clean restart, plain subscription (restored from persistence): nothing lost', async () => {
    const result = await brokerRestart({
      ...BROKER_RESTART.short,
      signal: 'SIGTERM',
      shareGroup: '',
    });
    expectHeld(result);
  }, 120_000);

  test('chain outage with SIGKILLs while anchoring: every anomaly anchored once, audit clean', async () => {
    expectHeld(await chainOutage(CHAIN_OUTAGE.short));
  }, 120_000);

  test('commands to an offline device across server and broker restarts: acked or expired, run once', async () => {
    expectHeld(await commandDelivery(COMMAND_DELIVERY.short));
  }, 120_000);

  // The p99 comparison needs the full run's 20 s phases; a few seconds on a shared 2-core
  // machine measure the neighbours' load, not the flood's.
  test('malformed flood: all dead-lettered with a reason, no crash, valid traffic stored', async () => {
    expectHeld(await malformedFlood(MALFORMED_FLOOD.short), [
      'valid p99 within 10% of a clean run',
    ]);
  }, 120_000);

  test('connection abuse: legitimate devices keep connecting and publishing', async () => {
    expectHeld(await connectionAbuse(CONNECTION_ABUSE.short));
  }, 120_000);

  test("two replicas: load splits, stored once, a killed replica's share is adopted and handed back", async () => {
    expectHeld(await scaleOut({ ...SCALE_OUT.short, replicas: 2 }));
  }, 120_000);
});
