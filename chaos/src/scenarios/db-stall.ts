/**
 * Scenario 2, database stall: the whole PostgreSQL cluster is frozen (SIGSTOP) while devices keep
 * publishing. The server must stop reading instead of buffering (RSS flat over the stall), the
 * broker must hold the backlog (the shipped max_queued_messages), nothing acknowledged may be lost
 * or duplicated, and once the database thaws the backlog must drain at >= 2x the offered rate.
 * With Mosquitto's defaults (`shipped: false`) the same run must lose messages.
 */
import { signalPostgres } from '@vigil/testkit';
import { registerDevices, startCluster } from '../cluster';
import { reconcile, storedRows } from '../ledger';
import { startLoad } from '../load';
import { claim, type ScenarioResult } from '../report';
import { RowCounter, waitForDrain } from '../row-counter';
import { RssSampler } from '../rss-sampler';
import { ServerProcess } from '../server-process';

export type DbStallOptions = {
  rate: number;
  /** Seconds of load before the stall; the load stops when the stall ends. */
  beforeS: number;
  stallS: number;
  devices: number;
  /** false: Mosquitto's own defaults (max_queued_messages 1000) instead of docker/mosquitto.conf. */
  shipped: boolean;
};

export const DB_STALL: Record<'full' | 'short', DbStallOptions> = {
  full: { rate: 5000, beforeS: 5, stallS: 60, devices: 100, shipped: true },
  short: { rate: 3000, beforeS: 2, stallS: 6, devices: 20, shipped: true },
};

/** RSS growth over the second half of the stall that still counts as "stopped reading". */
const FLAT_RSS_MB = 48;

export async function dbStall(o: DbStallOptions): Promise<ScenarioResult> {
  // Its own database cluster: the whole cluster is frozen.
  const cluster = await startCluster({ shipped: o.shipped }, true);
  const server = new ServerProcess({
    databaseUrl: cluster.databaseUrl,
    chainEnv: cluster.chainEnv,
    mqttUrl: cluster.mosquitto.url,
    clientId: 'chaos-stall',
    work: cluster.work,
  });
  const counter = new RowCounter(cluster.sql);
  const rss = new RssSampler(() => server.pid);
  const name = o.shipped ? 'db-stall' : 'db-stall-default-queue';
  try {
    await server.start(60_000);
    await registerDevices(cluster.sql, 'stall', o.devices);
    counter.start();
    rss.start();
    const load = startLoad({
      mqttUrl: cluster.mosquitto.url,
      work: cluster.work,
      prefix: 'stall',
      devices: o.devices,
      rate: o.rate,
      seconds: o.beforeS + o.stallS,
    });
    await Bun.sleep(o.beforeS * 1000);
    const stalledAt = Date.now();
    signalPostgres(cluster.postgres.pid, 'SIGSTOP');
    await Bun.sleep(o.stallS * 1000);
    signalPostgres(cluster.postgres.pid, 'SIGCONT');
    const resumedAt = Date.now();
    const result = await load.done;
    // Gives up only after 10 s without progress: a loaded machine may pause ingest briefly after
    // the thaw (detection catching up), and giving up early would measure no drain at all.
    await waitForDrain(counter, result.acked, 10_000, 300_000);
    await counter.stop();
    rss.stop();
    const drainedAt = counter.reached(result.acked, resumedAt);
    const backlog = result.acked - counter.rowsAt(resumedAt);
    const drain =
      drainedAt === undefined ? 0 : backlog / (Math.max(1, drainedAt - resumedAt) / 1000);
    const baseline = rss.peak(0, stalledAt);
    const midStall = stalledAt + (o.stallS * 1000) / 2;
    const growth = rss.peak(midStall, resumedAt) - rss.peak(stalledAt, midStall);
    const peak = rss.peak(stalledAt, Date.now());
    const ledger = reconcile(result.sent, result.devices, await storedRows(cluster.sql, 'stall'));
    return {
      name,
      expectFailure: !o.shipped,
      figures: {
        ...ledger,
        recoveryMs: (counter.firstGrowthAfter(resumedAt) ?? Date.now()) - resumedAt,
        drainMsgPerSec: drain,
        extra: {
          offeredMsgPerSec: o.rate,
          stallS: o.stallS,
          backlog,
          rssBeforeMb: baseline,
          rssPeakMb: peak,
          rssGrowthSecondHalfMb: growth,
        },
      },
      claims: [
        claim('0 lost', ledger.lost === 0, `${ledger.lost} of ${ledger.acked} acknowledged`),
        claim('0 duplicated', ledger.duplicated === 0, `${ledger.duplicated}`),
        claim(
          'memory bounded (RSS flat while the database is frozen)',
          growth <= FLAT_RSS_MB,
          `+${growth.toFixed(1)} MiB over the second half, peak ${peak.toFixed(0)} MiB (before ${baseline.toFixed(0)})`,
        ),
        claim(
          'backlog drains at >= 2x the offered rate',
          drain >= 2 * o.rate,
          `${Math.round(drain)} msg/s vs ${o.rate} offered (${backlog} queued)`,
        ),
      ],
    };
  } finally {
    signalPostgres(cluster.postgres.pid, 'SIGCONT');
    rss.stop();
    await counter.stop();
    await server.kill('SIGTERM');
    await cluster.stop();
  }
}
