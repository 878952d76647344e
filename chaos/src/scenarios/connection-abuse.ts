/**
 * Scenario 7, connection abuse, on a broker that demands passwords (the shipped config with a
 * password file): thousands of sockets that never send CONNECT, CONNECT packets claiming to be
 * far over max_packet_size, PUBLISH packets over it from a logged-in client, and a password brute
 * force — while legitimate devices keep publishing and new ones keep connecting.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinary } from '@vigil/testkit';
import mqtt from 'mqtt';
import {
  connectPacket,
  openIdleSockets,
  oversizeConnect,
  pooled,
  sendAndReadConnack,
  stillOpen,
} from '../abuse-clients';
import { registerDevices, startCluster } from '../cluster';
import { reconcile, storedRows } from '../ledger';
import { MqttFleet } from '../mqtt-fleet';
import { claim, type ScenarioResult } from '../report';
import { waitUntil } from '../row-counter';
import { ServerProcess } from '../server-process';

export type ConnectionAbuseOptions = {
  idleSockets: number;
  oversize: number;
  bruteForce: number;
  /** Legitimate devices publishing throughout, their total rate, and late joiners. */
  devices: number;
  rate: number;
  lateDevices: number;
};

export const CONNECTION_ABUSE: Record<'full' | 'short', ConnectionAbuseOptions> = {
  full: {
    idleSockets: 5000,
    oversize: 200,
    bruteForce: 5000,
    devices: 50,
    rate: 1000,
    lateDevices: 50,
  },
  short: {
    idleSockets: 1000,
    oversize: 50,
    bruteForce: 500,
    devices: 10,
    rate: 300,
    lateDevices: 10,
  },
};

const DEVICE_PASSWORD = 'device-secret-1';
const SERVER_PASSWORD = 'server-secret-1';

/** A Mosquitto password file with the server's and the devices' accounts. */
function passwordFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'vigil-passwd-')), 'passwd');
  const passwd = requireBinary('mosquitto_passwd', 'mosquitto');
  for (const [user, password, create] of [
    ['vigil-server', SERVER_PASSWORD, true],
    ['device', DEVICE_PASSWORD, false],
  ] as const) {
    const args = [passwd, ...(create ? ['-c'] : []), '-b', file, user, password];
    const run = Bun.spawnSync(args, { stdout: 'pipe', stderr: 'pipe' });
    if (run.exitCode !== 0) throw new Error(`mosquitto_passwd failed: ${run.stderr.toString()}`);
  }
  return file;
}

export async function connectionAbuse(o: ConnectionAbuseOptions): Promise<ScenarioResult> {
  const cluster = await startCluster({
    anonymous: false,
    config: `password_file ${passwordFile()}`,
  });
  const target = { hostname: '127.0.0.1', port: cluster.mosquitto.port };
  const server = new ServerProcess({
    databaseUrl: cluster.databaseUrl,
    chainEnv: cluster.chainEnv,
    mqttUrl: cluster.mosquitto.url,
    clientId: 'chaos-abuse',
    work: cluster.work,
    env: { MQTT_USERNAME: 'vigil-server', MQTT_PASSWORD: SERVER_PASSWORD },
  });
  const credentials = { username: 'device', password: DEVICE_PASSWORD };
  const fleet = new MqttFleet({
    url: cluster.mosquitto.url,
    prefix: 'legit',
    devices: o.devices,
    ...credentials,
  });
  const late = new MqttFleet({
    url: cluster.mosquitto.url,
    prefix: 'late',
    devices: o.lateDevices,
    ...credentials,
  });
  let idle: Awaited<ReturnType<typeof openIdleSockets>> = [];
  try {
    await server.start(60_000);
    const pid = server.pid;
    await registerDevices(cluster.sql, 'legit', o.devices);
    await registerDevices(cluster.sql, 'late', o.lateDevices);
    await fleet.connect();
    fleet.start(o.rate);

    idle = await openIdleSockets(target, o.idleSockets);
    const idleOpened = idle.length;
    const bigConnect = await pooled(o.oversize, 20, () =>
      sendAndReadConnack(target, oversizeConnect(256 * 1024 * 1024)),
    );
    const oversizePublishAcked = await publishOversize(
      cluster.mosquitto.url,
      o.oversize,
      credentials,
    );
    const guesses = await pooled(o.bruteForce, 50, (i) =>
      sendAndReadConnack(target, connectPacket(`guess-${i}`, 'device', `wrong-${i}`)),
    );
    const lateStarted = Date.now();
    await late.connect();
    const lateConnectMs = Date.now() - lateStarted;
    late.start(o.lateDevices * 5);
    await Bun.sleep(2000);
    const idleStillOpen = stillOpen(idle);

    await Promise.all([fleet.stop(), late.stop()]);
    const ackedTotal = fleet.acked() + late.acked();
    await waitUntil(async () => {
      const rows = [
        ...(await storedRows(cluster.sql, 'legit')),
        ...(await storedRows(cluster.sql, 'late')),
      ];
      return rows.length >= ackedTotal;
    }, 30_000);
    const final = reconcile(
      fleet.sent + late.sent,
      [...fleet.ackedDevices(), ...late.ackedDevices()],
      [...(await storedRows(cluster.sql, 'legit')), ...(await storedRows(cluster.sql, 'late'))],
    );
    const accepted = guesses.filter((g) => g === 0).length;
    const refused = guesses.filter((g) => g === 4 || g === 5).length;
    const bigAccepted = bigConnect.filter((r) => r === 0).length;
    const crashed = !server.alive || server.pid !== pid;
    return {
      name: 'connection-abuse',
      figures: {
        ...final,
        recoveryMs: null,
        drainMsgPerSec: null,
        extra: {
          idleOpened,
          idleStillOpen,
          oversizeConnectAccepted: bigAccepted,
          oversizePublishAcked,
          bruteForceAttempts: guesses.length,
          bruteForceAccepted: accepted,
          bruteForceRefused: refused,
          lateConnectMs,
        },
      },
      claims: [
        claim(
          'legitimate devices: 0 lost',
          final.lost === 0 && final.duplicated === 0,
          `${final.lost} lost of ${final.acked}`,
        ),
        claim(
          'legitimate devices keep publishing (all acknowledged)',
          final.acked === final.offered,
          `${final.acked}/${final.offered} acknowledged`,
        ),
        claim(
          'new devices connect during the abuse',
          late.sent > 0 && lateConnectMs < 10_000,
          `${o.lateDevices} connected in ${lateConnectMs} ms`,
        ),
        claim(
          'brute force never logs in',
          accepted === 0,
          `${accepted} accepted, ${refused} refused of ${guesses.length}`,
        ),
        claim(
          'oversize packets refused',
          bigAccepted === 0 && oversizePublishAcked === 0,
          `${bigAccepted} oversize CONNECT accepted, ${oversizePublishAcked} oversize PUBLISH acked`,
        ),
        claim('server unaffected', !crashed, crashed ? `exited ${server.exit}` : 'same process'),
      ],
    };
  } finally {
    for (const socket of idle) socket.end();
    await Promise.all([fleet.close(), late.close()]);
    await server.kill('SIGTERM');
    await cluster.stop();
  }
}

/** Logged-in clients publishing 100 KiB (over max_packet_size); returns how many were acked. */
async function publishOversize(
  url: string,
  count: number,
  credentials: { username: string; password: string },
): Promise<number> {
  const results = await pooled(count, 10, async (i) => {
    const client = await mqtt.connectAsync(url, {
      clientId: `oversize-${i}`,
      reconnectPeriod: 0,
      ...credentials,
    });
    client.on('error', () => {});
    const acked = await Promise.race([
      client
        .publishAsync(`devices/legit-0/telemetry`, Buffer.alloc(100 * 1024, 0x20), { qos: 1 })
        .then(
          () => true,
          () => false,
        ),
      Bun.sleep(3000).then(() => false),
    ]);
    await client.endAsync(true);
    return acked;
  });
  return results.filter(Boolean).length;
}
