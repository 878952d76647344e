/**
 * Scale-out: N server replicas (distinct MQTT_CLIENT_ID, one MQTT_SHARE_GROUP) on one broker.
 * Phase "split": steady load; each replica's own /metrics says how much it stored, and every
 * message must be stored exactly once. Phase "takeover": one replica is SIGKILLed mid-load and
 * started again under the same client id after `downS`. Mosquitto 2.0.11 keeps assigning that
 * replica's round-robin share to its offline persistent session and never moves it to the live
 * members, so while it is down the stored rate falls to (N-1)/N of the offered rate; the restarted
 * process resumes the session and drains the held share (the load ends at the restart, so what is
 * stored afterwards is that share). Nothing may be lost or duplicated.
 */
import { parseSample } from '@vigil/bench/measure';
import { registerDevices, startCluster } from '../cluster';
import { reconcile, storedRows } from '../ledger';
import { startLoad } from '../load';
import { claim, type ScenarioResult } from '../report';
import { RowCounter, rateBetween, waitUntil } from '../row-counter';
import { ServerProcess } from '../server-process';

export type ScaleOutOptions = {
  replicas: number;
  rate: number;
  /** Seconds of load per phase. */
  seconds: number;
  devices: number;
  /** Seconds into the takeover phase when replica 1 is killed, and how long it stays down. */
  killAtS: number;
  downS: number;
};

export const SCALE_OUT: Record<'full' | 'short', Omit<ScaleOutOptions, 'replicas'>> = {
  full: { rate: 3000, seconds: 30, devices: 100, killAtS: 10, downS: 10 },
  short: { rate: 1000, seconds: 5, devices: 20, killAtS: 1.5, downS: 2 },
};

const STORED = 'vigil_messages_stored_total';

export async function scaleOut(o: ScaleOutOptions): Promise<ScenarioResult> {
  const cluster = await startCluster();
  const replicas = Array.from(
    { length: o.replicas },
    (_, i) =>
      new ServerProcess({
        databaseUrl: cluster.databaseUrl,
        chainEnv: cluster.chainEnv,
        mqttUrl: cluster.mosquitto.url,
        clientId: `chaos-replica-${i}`,
        work: cluster.work,
        env: { MQTT_SHARE_GROUP: 'vigil' },
      }),
  );
  const counter = new RowCounter(cluster.sql);
  try {
    // The first replica migrates the database; the others start on a migrated one.
    for (const replica of replicas) await replica.start(60_000);
    await registerDevices(cluster.sql, 'split', o.devices);
    await registerDevices(cluster.sql, 'takeover', o.devices);
    const storedBy = async () =>
      Promise.all(replicas.map(async (r) => parseSample(await r.metrics(), STORED)));

    const before = await storedBy();
    const split = await startLoad({
      mqttUrl: cluster.mosquitto.url,
      work: cluster.work,
      prefix: 'split',
      ...o,
    }).done;
    const rowsOf = async (prefix: string) =>
      Number(
        (
          await cluster.sql`SELECT count(*)::int AS n FROM readings WHERE device_id LIKE ${`${prefix}-%`}`
        )[0]?.n,
      );
    await waitUntil(async () => (await rowsOf('split')) >= split.acked, 60_000);
    const perReplica = (await storedBy()).map((n, i) => n - (before[i] ?? 0));
    const splitLedger = reconcile(
      split.sent,
      split.devices,
      await storedRows(cluster.sql, 'split'),
    );

    counter.start();
    const victim = replicas[1] as ServerProcess;
    // The load ends when the victim restarts, so what is stored afterwards is its held share.
    const load = startLoad({
      mqttUrl: cluster.mosquitto.url,
      work: cluster.work,
      prefix: 'takeover',
      ...o,
      seconds: o.killAtS + o.downS,
    });
    await Bun.sleep(o.killAtS * 1000);
    const killedAt = Date.now();
    await victim.kill('SIGKILL');
    await Bun.sleep(o.downS * 1000);
    const restartedAt = Date.now();
    await victim.start(30_000, false);
    const result = await load.done;
    const target = result.acked + splitLedger.stored;
    await waitUntil(async () => (await counter.count()) >= target, 120_000);
    await Bun.sleep(300);
    await counter.stop();
    const caughtUp = counter.reached(target, restartedAt) ?? Date.now();
    const held = target - counter.rowsAt(restartedAt);
    const downRate = rateBetween(counter, killedAt + 1000, restartedAt);
    const ledger = reconcile(
      result.sent,
      result.devices,
      await storedRows(cluster.sql, 'takeover'),
    );
    const share = perReplica.map((n) => n / Math.max(1, splitLedger.stored));
    const evenSplit = share.every((s) => Math.abs(s - 1 / o.replicas) < 0.5 / o.replicas);
    return {
      name: `scale-out-${o.replicas}`,
      figures: {
        ...ledger,
        recoveryMs: (counter.firstGrowthAfter(restartedAt) ?? caughtUp) - restartedAt,
        drainMsgPerSec: held / (Math.max(1, caughtUp - restartedAt) / 1000),
        extra: {
          replicas: o.replicas,
          offeredMsgPerSec: o.rate,
          splitStoredPerReplica: perReplica.join('/'),
          splitLost: splitLedger.lost,
          splitDuplicated: splitLedger.duplicated,
          storedMsgPerSecWhileOneDown: downRate,
          expectedWhileOneDown: (o.rate * (o.replicas - 1)) / o.replicas,
          heldShare: held,
          heldShareDrainedMs: caughtUp - restartedAt,
        },
      },
      claims: [
        claim(
          'load splits between replicas',
          evenSplit,
          `stored per replica ${perReplica.join('/')} of ${splitLedger.stored}`,
        ),
        claim(
          'every message stored exactly once',
          splitLedger.lost + splitLedger.duplicated + ledger.lost + ledger.duplicated === 0,
          `split: ${splitLedger.lost} lost ${splitLedger.duplicated} dup; takeover: ${ledger.lost} lost ${ledger.duplicated} dup`,
        ),
        claim(
          "a killed replica's share is stored after it restarts under its client id",
          ledger.stored === ledger.acked,
          `${ledger.stored}/${ledger.acked} stored, held share drained ${caughtUp - restartedAt} ms after restart`,
        ),
      ],
    };
  } finally {
    await counter.stop();
    await Promise.all(replicas.map((r) => r.kill('SIGTERM')));
    await cluster.stop();
  }
}
