/**
 * Scenario 1, server crash loop: the server is SIGKILLed every `killEveryS` seconds under steady
 * load and started again under the same client id. The broker keeps acknowledging devices and
 * queues for the server's persistent session; nothing acknowledged may be lost or stored twice,
 * and ingest must resume within 5 s of each restart.
 */
import { registerDevices, startCluster } from '../cluster';
import { reconcile, storedRows } from '../ledger';
import { startLoad } from '../load';
import { claim, type ScenarioResult } from '../report';
import { RowCounter, rateBetween, waitUntil } from '../row-counter';
import { ServerProcess } from '../server-process';

export type CrashLoopOptions = {
  rate: number;
  seconds: number;
  killEveryS: number;
  devices: number;
};

export const CRASH_LOOP: Record<'full' | 'short', CrashLoopOptions> = {
  full: { rate: 5000, seconds: 120, killEveryS: 10, devices: 100 },
  short: { rate: 1000, seconds: 8, killEveryS: 3, devices: 20 },
};

const RESUME_LIMIT_MS = 5000;

export async function crashLoop(o: CrashLoopOptions): Promise<ScenarioResult> {
  const cluster = await startCluster();
  const server = new ServerProcess({
    databaseUrl: cluster.databaseUrl,
    chainEnv: cluster.chainEnv,
    mqttUrl: cluster.mosquitto.url,
    clientId: 'chaos-crash',
    work: cluster.work,
  });
  const counter = new RowCounter(cluster.sql);
  try {
    await server.start(60_000);
    await registerDevices(cluster.sql, 'crash', o.devices);
    counter.start();
    const load = startLoad({
      mqttUrl: cluster.mosquitto.url,
      work: cluster.work,
      prefix: 'crash',
      ...o,
    });
    const kills: number[] = [];
    const restarts: number[] = [];
    const healthy: Promise<number>[] = [];
    const loadEnd = load.spawnedAt + o.seconds * 1000;
    while (Date.now() + o.killEveryS * 1000 <= loadEnd) {
      await Bun.sleep(o.killEveryS * 1000);
      kills.push(Date.now());
      await server.kill('SIGKILL');
      restarts.push(Date.now());
      await server.start(30_000, false);
      healthy.push(waitUntil(() => server.healthy(), 60_000).then(() => Date.now()));
    }
    const result = await load.done;
    const drained = await waitUntil(async () => (await counter.count()) >= result.acked, 120_000);
    await Bun.sleep(500);
    await counter.stop();
    // From spawning the new process (the old one has exited) to the first newly committed row.
    const resumes = restarts.map((at) => (counter.firstGrowthAfter(at) ?? Date.now()) - at);
    const outages = kills.map((at, i) => (counter.firstGrowthAfter(restarts[i] ?? at) ?? at) - at);
    // Backlog drain after each resume: rows stored from the first new row until the next kill (or
    // 5 s, whichever is first), while the held backlog and the live load both arrive.
    const drains = restarts.map((at, i) => {
      const resumed = counter.firstGrowthAfter(at) ?? at;
      return rateBetween(counter, resumed, Math.min(kills[i + 1] ?? Date.now(), resumed + 5000));
    });
    const ledger = reconcile(result.sent, result.devices, await storedRows(cluster.sql, 'crash'));
    const healthyMs = (await Promise.all(healthy)).map((at, i) => at - (restarts[i] ?? at));
    const worst = resumes.length === 0 ? 0 : Math.max(...resumes);
    return {
      name: 'crash-loop',
      figures: {
        ...ledger,
        recoveryMs: worst,
        drainMsgPerSec:
          drains.length === 0 ? null : drains.reduce((a, b) => a + b, 0) / drains.length,
        extra: {
          kills: restarts.length,
          offeredMsgPerSec: o.rate,
          worstOutageMs: outages.length === 0 ? 0 : Math.max(...outages),
          worstHealthyMs: healthyMs.length === 0 ? 0 : Math.max(...healthyMs),
          meanResumeMs: resumes.reduce((a, b) => a + b, 0) / Math.max(1, resumes.length),
        },
      },
      claims: [
        claim('0 lost', ledger.lost === 0, `${ledger.lost} of ${ledger.acked} acknowledged`),
        claim('0 duplicated', ledger.duplicated === 0, `${ledger.duplicated}`),
        claim('everything acknowledged stored', drained, `${ledger.stored}/${ledger.acked}`),
        claim(
          `ingest resumes within ${RESUME_LIMIT_MS / 1000} s of each restart`,
          restarts.length > 0 && worst <= RESUME_LIMIT_MS,
          `${restarts.length} kills, worst ${worst} ms`,
        ),
      ],
    };
  } finally {
    await counter.stop();
    await server.kill('SIGTERM');
    await cluster.stop();
  }
}
