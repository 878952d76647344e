/**
 * Scenario 6, malformed flood: property-generated malformed payloads (see malformed.ts) published
 * by registered devices in the middle of valid traffic. The server must not crash, must
 * dead-letter every one of them with a reason, must store none, and the valid traffic's p99
 * publish-to-commit latency must stay within 10% of a clean run of the same load.
 */
import { histogramQuantileMs, parseHistogram, subtractBuckets } from '@vigil/bench/measure';
import mqtt from 'mqtt';
import { registerDevices, startCluster } from '../cluster';
import { reconcile, storedRows } from '../ledger';
import { startLoad } from '../load';
import { generateMalformed } from '../malformed';
import { claim, type ScenarioResult } from '../report';
import { waitUntil } from '../row-counter';
import { ServerProcess } from '../server-process';

export type MalformedFloodOptions = {
  malformed: number;
  /** Valid messages per second, in both the clean and the mixed phase. */
  rate: number;
  /** Seconds per phase; the malformed payloads are spread over the mixed phase. */
  seconds: number;
  devices: number;
  seed: number;
};

export const MALFORMED_FLOOD: Record<'full' | 'short', MalformedFloodOptions> = {
  full: { malformed: 10_000, rate: 2000, seconds: 20, devices: 50, seed: 20261123 },
  short: { malformed: 1500, rate: 1000, seconds: 3, devices: 10, seed: 20261123 },
};

const HISTOGRAM = 'vigil_publish_to_commit_seconds';
const FLOOD_DEVICES = 10;

export async function malformedFlood(o: MalformedFloodOptions): Promise<ScenarioResult> {
  const cluster = await startCluster();
  const server = new ServerProcess({
    databaseUrl: cluster.databaseUrl,
    chainEnv: cluster.chainEnv,
    mqttUrl: cluster.mosquitto.url,
    clientId: 'chaos-flood',
    work: cluster.work,
  });
  const flooders = await Promise.all(
    Array.from({ length: FLOOD_DEVICES }, (_, i) =>
      mqtt.connectAsync(cluster.mosquitto.url, { clientId: `flood-${i}`, protocolVersion: 4 }),
    ),
  );
  try {
    await server.start(60_000);
    const pid = server.pid;
    await registerDevices(cluster.sql, 'clean', o.devices);
    await registerDevices(cluster.sql, 'mixed', o.devices);
    await registerDevices(cluster.sql, 'flood', FLOOD_DEVICES);
    const phase = async (prefix: string, flood: boolean) => {
      const before = parseHistogram(await server.metrics(), HISTOGRAM);
      const load = startLoad({ mqttUrl: cluster.mosquitto.url, work: cluster.work, prefix, ...o });
      const floodAcked = flood ? await publishFlood(flooders, o) : 0;
      const result = await load.done;
      const stored = async () =>
        Number(
          (
            await cluster.sql`SELECT count(*)::int AS n FROM readings
                                   WHERE device_id LIKE ${`${prefix}-%`}`
          )[0]?.n,
        );
      await waitUntil(async () => (await stored()) >= result.acked, 60_000);
      const after = parseHistogram(await server.metrics(), HISTOGRAM);
      const p99 = histogramQuantileMs(subtractBuckets(after, before), 0.99);
      return { result, floodAcked, p99 };
    };
    const clean = await phase('clean', false);
    const mixed = await phase('mixed', true);
    const deadLettered = async () =>
      Number(
        (
          await cluster.sql`SELECT count(*)::int AS n FROM dead_letters
                                 WHERE device_id LIKE 'flood-%'`
        )[0]?.n,
      );
    await waitUntil(async () => (await deadLettered()) >= mixed.floodAcked, 30_000);
    const reasons = await cluster.sql<{ reason: string; n: number }[]>`
      SELECT reason, count(*)::int AS n FROM dead_letters WHERE device_id LIKE 'flood-%'
      GROUP BY reason ORDER BY reason`;
    const withoutReason = reasons
      .filter((r) => r.reason.trim() === '')
      .reduce((a, r) => a + r.n, 0);
    const floodStored = (await storedRows(cluster.sql, 'flood')).length;
    const ledger = reconcile(
      mixed.result.sent,
      mixed.result.devices,
      await storedRows(cluster.sql, 'mixed'),
    );
    const dead = await deadLettered();
    const crashed = !server.alive || server.pid !== pid;
    return {
      name: 'malformed-flood',
      figures: {
        ...ledger,
        recoveryMs: null,
        drainMsgPerSec: null,
        extra: {
          malformedOffered: o.malformed,
          malformedAcked: mixed.floodAcked,
          deadLettered: dead,
          reasons: reasons.map((r) => `${r.reason}=${r.n}`).join(','),
          cleanP99Ms: clean.p99,
          mixedP99Ms: mixed.p99,
        },
      },
      claims: [
        claim(
          '0 crashes',
          !crashed,
          crashed ? `server exited (${server.exit})` : 'same process throughout',
        ),
        claim(
          '100% dead-lettered with a reason',
          dead === mixed.floodAcked && withoutReason === 0 && floodStored === 0,
          `${dead}/${mixed.floodAcked} dead-lettered, ${withoutReason} without reason, ${floodStored} stored`,
        ),
        claim(
          'valid traffic: 0 lost',
          ledger.lost === 0 && ledger.duplicated === 0,
          `${ledger.lost} lost, ${ledger.duplicated} duplicated`,
        ),
        claim(
          'valid p99 within 10% of a clean run',
          mixed.p99 <= clean.p99 * 1.1,
          `${mixed.p99.toFixed(1)} ms with the flood vs ${clean.p99.toFixed(1)} ms clean`,
        ),
      ],
    };
  } finally {
    await Promise.all(flooders.map((c) => c.endAsync(true)));
    await server.kill('SIGTERM');
    await cluster.stop();
  }
}

/** Publishes the malformed payloads evenly over the phase; resolves with how many were acked. */
async function publishFlood(
  flooders: mqtt.MqttClient[],
  o: MalformedFloodOptions,
): Promise<number> {
  const payloads = generateMalformed(o.malformed, o.seed);
  const perTick = Math.max(1, Math.ceil(o.malformed / ((o.seconds * 1000) / 10)));
  let acked = 0;
  const pending: Promise<void>[] = [];
  for (let i = 0; i < payloads.length; i += perTick) {
    for (const [k, item] of payloads.slice(i, i + perTick).entries()) {
      const client = flooders[(i + k) % flooders.length] as mqtt.MqttClient;
      const topic = `devices/flood-${(i + k) % flooders.length}/telemetry`;
      pending.push(
        client.publishAsync(topic, Buffer.from(item.payload), { qos: 1 }).then(() => {
          acked += 1;
        }),
      );
    }
    await Bun.sleep(10);
  }
  await Promise.race([Promise.allSettled(pending), Bun.sleep(30_000)]);
  return acked;
}
