/**
 * Scenario 3, broker restart: Mosquitto is stopped (SIGTERM, which writes its persistence file, or
 * SIGKILL, which loses everything since the last autosave) under load and started again with the
 * shipped settings. Server and devices must reconnect by themselves, nothing may be stored twice,
 * and every acknowledged message the broker lost must show as a per-device sequence gap.
 */
import { registerDevices, startCluster } from '../cluster';
import { reconcile, storedRows } from '../ledger';
import { MqttFleet } from '../mqtt-fleet';
import { claim, type ScenarioResult } from '../report';
import { RowCounter, waitForDrain, waitUntil } from '../row-counter';
import { ServerProcess } from '../server-process';

export type BrokerRestartOptions = {
  signal: 'SIGTERM' | 'SIGKILL';
  /**
   * The server's MQTT_SHARE_GROUP. Mosquitto 2.0.11 does not restore shared subscriptions from
   * its persistence file (plain ones it does), so with a group even a clean restart drops what
   * devices publish before the server has subscribed again; '' subscribes plainly.
   */
  shareGroup: string;
  rate: number;
  devices: number;
  /** Seconds of load before the broker goes, and after it is back. */
  beforeS: number;
  afterS: number;
  /** Seconds the broker stays down. */
  downS: number;
};

export const BROKER_RESTART: Record<
  'full' | 'short',
  Omit<BrokerRestartOptions, 'signal' | 'shareGroup'>
> = {
  full: { rate: 2000, devices: 50, beforeS: 20, afterS: 20, downS: 5 },
  short: { rate: 500, devices: 10, beforeS: 2, afterS: 3, downS: 1 },
};

export async function brokerRestart(o: BrokerRestartOptions): Promise<ScenarioResult> {
  const cluster = await startCluster();
  const server = new ServerProcess({
    databaseUrl: cluster.databaseUrl,
    chainEnv: cluster.chainEnv,
    mqttUrl: cluster.mosquitto.url,
    clientId: 'chaos-broker',
    work: cluster.work,
    env: { MQTT_SHARE_GROUP: o.shareGroup },
  });
  const counter = new RowCounter(cluster.sql);
  const fleet = new MqttFleet({ url: cluster.mosquitto.url, prefix: 'broker', devices: o.devices });
  try {
    await server.start(60_000);
    await registerDevices(cluster.sql, 'broker', o.devices);
    await fleet.connect();
    counter.start();
    fleet.start(o.rate);
    await Bun.sleep(o.beforeS * 1000);
    await cluster.mosquitto.kill(o.signal);
    await Bun.sleep(o.downS * 1000);
    await cluster.mosquitto.restart();
    const restartedAt = Date.now();
    const devicesBack = await waitUntil(async () => fleet.connected() === o.devices, 15_000);
    const devicesBackMs = Date.now() - restartedAt;
    await Bun.sleep(o.afterS * 1000);
    await fleet.stop();
    const target = fleet.acked();
    await waitForDrain(counter, target, 3000, 30_000);
    await Bun.sleep(1000);
    await counter.stop();
    const serverBack = await server.healthy();
    const ledger = reconcile(
      fleet.sent,
      fleet.ackedDevices(),
      await storedRows(cluster.sql, 'broker'),
    );
    const recovery = (counter.firstGrowthAfter(restartedAt) ?? Date.now()) - restartedAt;
    const claims = [
      claim('0 duplicated', ledger.duplicated === 0, `${ledger.duplicated}`),
      claim(
        'devices reconnect by themselves',
        devicesBack,
        `${fleet.connected()}/${o.devices} in ${devicesBackMs} ms`,
      ),
      claim(
        'server reconnects by itself and stores again',
        serverBack && recovery < 15_000,
        `first row ${recovery} ms after the broker was back`,
      ),
      claim(
        '100% of losses detected as per-device seq gaps',
        ledger.lostDetected === ledger.lost,
        `${ledger.lostDetected}/${ledger.lost} lost inside a gap, ${ledger.detectedGaps} missing seqs`,
      ),
    ];
    if (o.signal === 'SIGTERM' && o.shareGroup === '') {
      claims.push(
        claim(
          'clean restart loses nothing (persistence written on SIGTERM)',
          ledger.lost === 0,
          `${ledger.lost} lost`,
        ),
      );
    }
    return {
      name: `broker-restart-${o.signal === 'SIGTERM' ? 'clean' : 'kill'}${o.shareGroup === '' ? '-plain' : ''}`,
      figures: {
        ...ledger,
        recoveryMs: recovery,
        drainMsgPerSec: null,
        extra: {
          offeredMsgPerSec: o.rate,
          brokerDownS: o.downS,
          devicesBackMs,
          subscription: o.shareGroup === '' ? 'plain' : `$share/${o.shareGroup}`,
        },
      },
      claims,
    };
  } finally {
    await fleet.close();
    await counter.stop();
    await server.kill('SIGTERM');
    await cluster.stop();
  }
}
