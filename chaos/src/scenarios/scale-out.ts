/**
 * Scale-out: N server replicas (distinct MQTT_CLIENT_ID, one MQTT_SHARE_GROUP) on one broker.
 *
 * Phase "split": steady load; each replica's own /metrics says how much it stored, and every
 * message must be stored exactly once.
 *
 * Phase "takeover": replica 1 is SIGKILLed mid-load and stays down until the load has ended and
 * everything acknowledged is stored. Mosquitto 2.0.11 keeps assigning the dead replica's
 * round-robin share to its offline persistent session; once its heartbeat is stale a live replica
 * adopts that session, so the stored rate returns from (N-1)/N of the offered rate to all of it.
 *
 * Phase "return": the victim starts again under its client id, the adopter lets its session go,
 * and under a fresh load the victim stores its own share again. Nothing may be lost or duplicated.
 */
import { readFileSync } from 'node:fs';
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
  /** Seconds of load in the split and return phases. */
  seconds: number;
  devices: number;
  /** Seconds into the takeover phase when replica 1 is killed, then seconds of load after it. */
  killAtS: number;
  downS: number;
};

export const SCALE_OUT: Record<'full' | 'short', Omit<ScaleOutOptions, 'replicas'>> = {
  full: { rate: 3000, seconds: 30, devices: 100, killAtS: 10, downS: 20 },
  short: { rate: 1000, seconds: 5, devices: 20, killAtS: 1.5, downS: 14 },
};

/**
 * The server finds a member orphaned when its heartbeat is 6 s old, checked every 2 s: a
 * downtime shorter than this plus a few seconds of steady state cannot show the takeover.
 */
const TAKEOVER_BOUND_S = 8;
const MIN_DOWN_S = TAKEOVER_BOUND_S + 4;

const STORED = 'vigil_messages_stored_total';
const ADOPTED = 'vigil_ingest_adopted_sessions';

export async function scaleOut(o: ScaleOutOptions): Promise<ScenarioResult> {
  if (o.downS < MIN_DOWN_S) {
    throw new RangeError(`scale-out needs downS >= ${MIN_DOWN_S} to see the takeover`);
  }
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
        // Info level: adoptions and releases are logged there, with their time.
        env: { MQTT_SHARE_GROUP: 'vigil', LOG_LEVEL: 'info' },
      }),
  );
  const victim = replicas[1] as ServerProcess;
  const survivors = replicas.filter((r) => r !== victim);
  const counter = new RowCounter(cluster.sql);
  try {
    // The first replica migrates the database; the others start on a migrated one.
    for (const replica of replicas) await replica.start(60_000);
    for (const prefix of ['split', 'takeover', 'return']) {
      await registerDevices(cluster.sql, prefix, o.devices);
    }
    const scrape = async (of: ServerProcess[], sample: string) =>
      Promise.all(of.map(async (r) => parseSample(await r.metrics(), sample)));
    const rowsOf = async (prefix: string) =>
      Number(
        (
          await cluster.sql`SELECT count(*)::int AS n FROM readings WHERE device_id LIKE ${`${prefix}-%`}`
        )[0]?.n,
      );
    const load = (prefix: string, seconds: number) =>
      startLoad({ mqttUrl: cluster.mosquitto.url, work: cluster.work, prefix, ...o, seconds });

    // Split.
    const before = await scrape(replicas, STORED);
    const split = await load('split', o.seconds).done;
    await waitUntil(async () => (await rowsOf('split')) >= split.acked, 60_000);
    const perReplica = (await scrape(replicas, STORED)).map((n, i) => n - (before[i] ?? 0));
    const splitLedger = reconcile(
      split.sent,
      split.devices,
      await storedRows(cluster.sql, 'split'),
    );

    // Takeover: the victim stays down until its share, adopted, is stored.
    counter.start();
    const takeoverLoad = load('takeover', o.killAtS + o.downS);
    await Bun.sleep(o.killAtS * 1000);
    const killedAt = Date.now();
    await victim.kill('SIGKILL');
    const result = await takeoverLoad.done;
    const base = splitLedger.stored;
    const allStored = await waitUntil(
      async () => (await counter.count()) >= base + result.acked,
      // Adopted, the share is stored as it arrives; a held one would wait here in vain.
      20_000,
    );
    const drainedAt = Date.now();
    await Bun.sleep(300);
    const storedBeforeRestart = await rowsOf('takeover');
    const adoptedAt = firstLogged(survivors, 'adopting orphaned session', killedAt);
    const offeredRate = result.sent / Math.max(0.001, (result.endedAt - result.startedAt) / 1000);
    const beforeTakeoverRate = rateBetween(counter, killedAt + 1000, adoptedAt ?? result.endedAt);
    // The last third of the downtime: after the adoption and the drain of what it held.
    const lateFrom = result.endedAt - (o.downS * 1000) / 3;
    const lateRate = rateBetween(counter, lateFrom, result.endedAt);
    const expected = (t: number) => base + offeredRate * ((t - result.startedAt) / 1000);
    // Back on the offered line (within half a second of load): the adopted backlog is stored.
    const caughtUpAt =
      adoptedAt === undefined
        ? undefined
        : counter.samples.find(
            (s) => s.at > adoptedAt && s.rows >= expected(s.at) - offeredRate / 2,
          )?.at;
    await counter.stop();

    // Return: the victim takes its own session back from the adopter.
    const restartedAt = Date.now();
    await victim.start(30_000);
    const released = await waitUntil(
      async () => (await scrape(survivors, ADOPTED)).every((n) => n === 0),
      20_000,
    );
    const releasedMs = Date.now() - restartedAt;
    const returnBefore = await scrape(replicas, STORED);
    const back = await load('return', o.seconds).done;
    await waitUntil(async () => (await rowsOf('return')) >= back.acked, 60_000);
    const returnPer = (await scrape(replicas, STORED)).map((n, i) => n - (returnBefore[i] ?? 0));
    const returnLedger = reconcile(
      back.sent,
      back.devices,
      await storedRows(cluster.sql, 'return'),
    );
    const ledger = reconcile(
      result.sent,
      result.devices,
      await storedRows(cluster.sql, 'takeover'),
    );

    const even = (counts: number[], total: number) =>
      counts.every((n) => Math.abs(n / Math.max(1, total) - 1 / o.replicas) < 0.5 / o.replicas);
    const victimReturnShare = (returnPer[1] ?? 0) / Math.max(1, returnLedger.stored);
    const lost = [splitLedger, ledger, returnLedger].reduce((n, l) => n + l.lost, 0);
    const duplicated = [splitLedger, ledger, returnLedger].reduce((n, l) => n + l.duplicated, 0);
    const round = (n: number) => Math.round(n);
    return {
      name: `scale-out-${o.replicas}`,
      figures: {
        ...ledger,
        recoveryMs: adoptedAt === undefined ? null : adoptedAt - killedAt,
        drainMsgPerSec:
          adoptedAt === undefined || caughtUpAt === undefined
            ? null
            : rateBetween(counter, adoptedAt, caughtUpAt),
        extra: {
          replicas: o.replicas,
          offeredMsgPerSec: round(offeredRate),
          splitStoredPerReplica: perReplica.join('/'),
          storedMsgPerSecBeforeTakeover: round(beforeTakeoverRate),
          storedMsgPerSecWhileOneDown: round(lateRate),
          withoutTakeoverWouldBe: round((offeredRate * (o.replicas - 1)) / o.replicas),
          adoptedAfterMs: adoptedAt === undefined ? 'never' : adoptedAt - killedAt,
          caughtUpAfterMs: caughtUpAt === undefined ? 'never' : caughtUpAt - killedAt,
          storedBeforeRestart: `${storedBeforeRestart}/${result.acked}`,
          allStoredAfterLoadMs: drainedAt - result.endedAt,
          releasedAfterRestartMs: releasedMs,
          returnStoredPerReplica: returnPer.join('/'),
          returnLost: returnLedger.lost,
          returnDuplicated: returnLedger.duplicated,
        },
      },
      claims: [
        claim(
          'load splits between replicas',
          even(perReplica, splitLedger.stored),
          `stored per replica ${perReplica.join('/')} of ${splitLedger.stored}`,
        ),
        claim(
          'every message stored exactly once',
          lost + duplicated === 0,
          `split ${splitLedger.lost} lost ${splitLedger.duplicated} dup; takeover ${ledger.lost}/${ledger.duplicated}; return ${returnLedger.lost}/${returnLedger.duplicated}`,
        ),
        claim(
          "a killed replica's share is adopted within the staleness bound",
          adoptedAt !== undefined && adoptedAt - killedAt <= TAKEOVER_BOUND_S * 1000 + 2000,
          `adopted ${adoptedAt === undefined ? 'never' : `${adoptedAt - killedAt} ms`} after the kill`,
        ),
        claim(
          'while it is down the stored rate returns to the offered rate',
          lateRate >= 0.9 * offeredRate,
          `${round(lateRate)} msg/s stored of ${round(offeredRate)} offered late in the downtime; ${round(beforeTakeoverRate)} before the adoption`,
        ),
        claim(
          'every acknowledged message is stored before the killed replica restarts',
          allStored && storedBeforeRestart === result.acked,
          `${storedBeforeRestart}/${result.acked} stored ${drainedAt - result.endedAt} ms after the load ended`,
        ),
        claim(
          'the restarted replica takes its share back from the adopter',
          released && even(returnPer, returnLedger.stored),
          `adopter released ${released ? `${releasedMs} ms after the restart` : 'never'}; return phase stored per replica ${returnPer.join('/')} (victim ${Math.round(victimReturnShare * 100)}%)`,
        ),
      ],
    };
  } finally {
    await counter.stop();
    await Promise.all(replicas.map((r) => r.kill('SIGTERM')));
    await cluster.stop();
  }
}

/** Epoch ms of the first `msg` any of `servers` logged at or after `after`. */
function firstLogged(servers: ServerProcess[], msg: string, after: number): number | undefined {
  let first: number | undefined;
  for (const server of servers) {
    let text = '';
    try {
      text = readFileSync(server.logFile, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      if (!line.includes(`"msg":"${msg}"`)) continue;
      const at = Date.parse((JSON.parse(line) as { time: string }).time);
      if (at >= after && (first === undefined || at < first)) first = at;
    }
  }
  return first;
}
