/**
 * Scenario 4, chain outage: the chain's JSON-RPC endpoint refuses connections for `outageS`
 * seconds while devices keep sending readings the detector flags (out-of-range temperatures), and
 * the server is SIGKILLed at random moments throughout — before, during and right after the
 * outage, while the backlog is being anchored in small batches — and started again. Afterwards
 * every anomaly must be anchored exactly once (one leaf per anomaly, no leaf in two batches, every
 * batch root on chain, nothing on chain the database does not know) and the audit must be clean.
 */
import { ChainProxy } from '../chain-proxy';
import { registerDevices, startCluster } from '../cluster';
import { anchorProgress, evidenceLedger, pendingBatches } from '../evidence-ledger';
import { reconcile, storedRows } from '../ledger';
import { MqttFleet } from '../mqtt-fleet';
import { claim, type ScenarioResult } from '../report';
import { RowCounter, waitForDrain, waitUntil } from '../row-counter';
import { ServerProcess } from '../server-process';

export type ChainOutageOptions = {
  rate: number;
  devices: number;
  /** Every n-th reading of a device is out of range. */
  spikeEvery: number;
  /** Seconds of load before the outage, of outage, and after the chain is back. */
  beforeS: number;
  outageS: number;
  afterS: number;
  /** Random pause between kills, in seconds (uniform in [min, max]). */
  killGapS: [number, number];
  /**
   * When kills start: with the load (restarts during the outage too), or once the chain is back
   * (the short run: a restart takes seconds, so every kill goes where the anchoring happens).
   */
  killFrom: 'start' | 'chainBack';
  /**
   * EVIDENCE_BATCH_MAX: small batches make the backlog many transactions, each a window for a kill;
   * the full run keeps enough per transaction to outpace 2 minutes of backlog.
   */
  batchMax: number;
};

export const CHAIN_OUTAGE: Record<'full' | 'short', ChainOutageOptions> = {
  full: {
    rate: 100,
    devices: 20,
    spikeEvery: 10,
    beforeS: 15,
    outageS: 120,
    afterS: 30,
    killGapS: [4, 12],
    killFrom: 'start',
    batchMax: 100,
  },
  short: {
    rate: 50,
    devices: 10,
    spikeEvery: 10,
    beforeS: 3,
    outageS: 5,
    afterS: 9,
    killGapS: [0.3, 1],
    killFrom: 'chainBack',
    batchMax: 25,
  },
};

type Kill = { at: number; phase: 'before' | 'outage' | 'after'; planned: number; sent: number };

type Progress = { at: number; anchored: number; waiting: number };

export async function chainOutage(o: ChainOutageOptions): Promise<ScenarioResult> {
  const cluster = await startCluster();
  // A registry of its own, so everything anchored on it is this scenario's.
  const registry = await cluster.chain.deployRegistry();
  const proxy = new ChainProxy(cluster.chain.url);
  await proxy.start();
  const server = new ServerProcess({
    databaseUrl: cluster.databaseUrl,
    chainEnv: {
      ...cluster.chainEnv,
      CHAIN_RPC_URL: proxy.url,
      EVIDENCE_CONTRACT: registry,
    },
    mqttUrl: cluster.mosquitto.url,
    clientId: 'chaos-anchor',
    work: cluster.work,
    env: { EVIDENCE_BATCH_MS: '200', EVIDENCE_BATCH_MAX: String(o.batchMax) },
  });
  const counter = new RowCounter(cluster.sql);
  const fleet = new MqttFleet({
    url: cluster.mosquitto.url,
    prefix: 'anchor',
    devices: o.devices,
    spikeEvery: o.spikeEvery,
  });
  const progress: Progress[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const at = Date.now();
      const p = await anchorProgress(cluster.sql).catch(() => undefined);
      if (p !== undefined) progress.push({ at, ...p });
      await Bun.sleep(250);
    }
  })();
  const kills: Kill[] = [];
  /** Restarts refused (the server would not start), and how long it stayed down for that. */
  let refusedStarts = 0;
  let longestDownMs = 0;
  let phase: Kill['phase'] = 'before';
  let killing = true;

  /** Starts the server, retrying every second while it refuses (e.g. the chain is unreachable). */
  const bringUp = async (since: number) => {
    for (;;) {
      try {
        await server.start(30_000, false);
        longestDownMs = Math.max(longestDownMs, Date.now() - since);
        return;
      } catch {
        refusedStarts += 1;
        if (Date.now() - since > 180_000) {
          throw new Error(`the server did not start again in 180 s: ${server.logTail()}`);
        }
        await Bun.sleep(1000);
      }
    }
  };
  /**
   * Kills in turn as soon as a batch is planned (recorded, not yet sent), as soon as one is sent
   * (tx hash recorded, receipt not yet), and at a random moment: the places a crash can leave a
   * batch. A targeted kill waits at most 3 s for its moment, then kills anyway.
   */
  const killLoop = async () => {
    const [min, max] = o.killGapS;
    for (let turn = 0; killing; turn += 1) {
      await Bun.sleep((min + Math.random() * (max - min)) * 1000);
      if (!killing) break;
      const wanted = (turn + 1) % 3;
      if (wanted !== 0 && server.alive) {
        const deadline = Date.now() + 3000;
        while (Date.now() < deadline) {
          const pending = await pendingBatches(cluster.sql);
          if (wanted === 1 ? pending.planned > pending.sent : pending.sent > 0) break;
          await Bun.sleep(5);
        }
      }
      await server.kill('SIGKILL');
      const at = Date.now();
      // What the database held at the kill: a batch planned, or also sent, but not recorded.
      const pending = await pendingBatches(cluster.sql);
      kills.push({ at, phase, ...pending });
      await bringUp(at);
    }
  };
  let killer: Promise<void> = Promise.resolve();

  try {
    await server.start(60_000);
    await registerDevices(cluster.sql, 'anchor', o.devices);
    await fleet.connect();
    counter.start();
    fleet.start(o.rate);
    // Handled here so a failed restart is not an unhandled rejection; awaited (and thrown) below.
    const startKilling = () => {
      killer = killLoop();
      killer.catch(() => {});
    };
    if (o.killFrom === 'start') startKilling();
    await Bun.sleep(o.beforeS * 1000);
    phase = 'outage';
    const downAt = Date.now();
    await proxy.stop();
    await Bun.sleep(o.outageS * 1000);
    await proxy.start();
    const backAt = Date.now();
    phase = 'after';
    const waitingAtBack = progress.at(-1)?.waiting ?? 0;
    if (o.killFrom === 'chainBack') startKilling();
    await Bun.sleep(o.afterS * 1000);
    killing = false;
    await killer;
    await fleet.stop();
    if (!server.alive) await bringUp(Date.now());
    const stoppedAt = Date.now();
    await waitForDrain(counter, fleet.acked(), 3000, 60_000);
    await counter.stop();
    // Detection runs after each commit, anchoring after that: settled when the outbox is empty
    // and no batch is pending, twice in a row.
    let quiet = 0;
    const settled = await waitUntil(async () => {
      const [p, pending] = await Promise.all([
        anchorProgress(cluster.sql),
        pendingBatches(cluster.sql),
      ]);
      quiet = p.waiting === 0 && pending.planned === 0 ? quiet + 1 : 0;
      return quiet >= 10;
    }, 120_000);
    sampling = false;
    await sampler;
    const settledAt = Date.now();

    const ledger = reconcile(
      fleet.sent,
      fleet.ackedDevices(),
      await storedRows(cluster.sql, 'anchor'),
    );
    const evidence = await evidenceLedger(
      cluster.sql,
      cluster.databaseUrl,
      cluster.chain.url,
      registry,
    );
    const firstAnchorAfterBack = progress.find(
      (p) => p.at > backAt && p.anchored > (progressAt(progress, backAt)?.anchored ?? 0),
    )?.at;
    const drainedAt = progress.find((p) => p.at > backAt && p.waiting === 0)?.at;
    const anchoredAtBack = progressAt(progress, backAt)?.anchored ?? 0;
    const drainEnd = drainedAt ?? settledAt;
    const drainRate =
      drainEnd > backAt
        ? ((progressAt(progress, drainEnd)?.anchored ?? evidence.anchored) - anchoredAtBack) /
          ((drainEnd - backAt) / 1000)
        : null;
    const midBatchKills = kills.filter((k) => k.planned > 0).length;
    const sentNotRecordedKills = kills.filter((k) => k.sent > 0).length;
    const auditClean = !evidence.audit.failed && evidence.audit.notYetAnchored === 0;
    return {
      name: 'chain-outage',
      figures: {
        ...ledger,
        recoveryMs: firstAnchorAfterBack === undefined ? null : firstAnchorAfterBack - backAt,
        drainMsgPerSec: drainRate,
        extra: {
          offeredMsgPerSec: o.rate,
          chainDownS: Math.round((backAt - downAt) / 1000),
          anomalies: evidence.anomalies,
          anomalyTypes: evidence.types,
          anchored: evidence.anchored,
          doublyAnchored: evidence.doublyAnchored,
          unanchored: evidence.unanchored,
          leavesInTwoBatches: evidence.leavesInTwoBatches,
          batches: evidence.anchoredBatches,
          batchesNotOnChain: evidence.batchesNotOnChain,
          chainBatches: evidence.chainBatches,
          chainLeaves: evidence.chainLeaves,
          waitingWhenChainBack: waitingAtBack,
          spikesAcked: fleet.ackedSpikes(),
          spikeReadings: evidence.spikeReadings,
          undetectedSpikes: evidence.undetectedSpikes,
          spikesOfOtherType: evidence.spikesOfOtherType,
          doublyDetected: evidence.doublyDetected,
          kills: kills.length,
          killsDuringOutage: kills.filter((k) => k.phase === 'outage').length,
          killsWithBatchPending: midBatchKills,
          killsWithTxSentUnrecorded: sentNotRecordedKills,
          refusedStarts,
          longestServerDownMs: longestDownMs,
          settleMs: settledAt - stoppedAt,
          audit: auditClean
            ? `clean (${evidence.audit.ok} OK)`
            : `${evidence.audit.ok} OK, ${evidence.audit.tampered} TAMPERED, ${evidence.audit.missing} MISSING, ${evidence.audit.notYetAnchored} NOT YET ANCHORED`,
        },
      },
      claims: [
        claim('0 lost', ledger.lost === 0, `${ledger.lost} of ${ledger.acked} acknowledged`),
        claim('0 duplicated', ledger.duplicated === 0, `${ledger.duplicated}`),
        claim(
          'anomalies were produced during the outage',
          evidence.anomalies > 0 && waitingAtBack > 0,
          `${evidence.anomalies} anomalies, ${waitingAtBack} waiting when the chain came back`,
        ),
        claim(
          'every anomaly anchored exactly once',
          settled &&
            evidence.anchored === evidence.anomalies &&
            evidence.doublyAnchored === 0 &&
            evidence.unanchored === 0,
          `${evidence.anchored}/${evidence.anomalies} once, ${evidence.doublyAnchored} twice, ${evidence.unanchored} never`,
        ),
        claim(
          'no leaf in two batches',
          evidence.leavesInTwoBatches === 0,
          `${evidence.leavesInTwoBatches}`,
        ),
        claim(
          'every batch root on chain, nothing on chain twice',
          evidence.batchesNotOnChain === 0 &&
            evidence.chainBatches === evidence.anchoredBatches &&
            evidence.chainLeaves === evidence.anomalies,
          `${evidence.anchoredBatches} batches recorded, ${evidence.batchesNotOnChain} not on chain; chain holds ${evidence.chainBatches} batches with ${evidence.chainLeaves} leaves`,
        ),
        claim(
          'every stored out-of-range reading became an anomaly',
          evidence.undetectedSpikes === 0,
          `${evidence.spikeReadings - evidence.undetectedSpikes}/${evidence.spikeReadings} scored`,
        ),
        claim('audit clean', auditClean, `${JSON.stringify(evidence.audit)}`),
        claim(
          'the server was killed while anchoring',
          kills.length > 0 && midBatchKills > 0,
          `${kills.length} kills, ${midBatchKills} with a batch planned but not recorded`,
        ),
      ],
    };
  } finally {
    killing = false;
    sampling = false;
    await killer.catch(() => {});
    await sampler;
    await fleet.close();
    await counter.stop();
    await server.kill('SIGTERM');
    await proxy.stop();
    await cluster.stop();
  }
}

/** The last sample at or before `at`. */
function progressAt(samples: readonly Progress[], at: number): Progress | undefined {
  let found: Progress | undefined;
  for (const sample of samples) {
    if (sample.at > at) break;
    found = sample;
  }
  return found;
}
