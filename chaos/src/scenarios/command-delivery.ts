/**
 * Scenario 5, command delivery: commands are sent through the API (tRPC `commands.send`) to a
 * device that is offline, then the server is SIGKILLed and started again, then the broker is
 * restarted cleanly (SIGTERM) and killed (SIGKILL, losing what it held since its last snapshot),
 * with more commands sent at each step, some while the broker is down. Some commands have a TTL
 * that runs out while the device is away. Then the device comes back. Every command must end
 * acknowledged by the device or expired, none may stay open past its expiry, none may run twice
 * on the device (counted device-side, by id and by content), and none may run after its expiry.
 * A telemetry fleet publishes throughout, so the usual delivery figures come with it.
 */
import { registerDevices, startCluster } from '../cluster';
import { CommandDevice } from '../command-device';
import { reconcile, storedRows } from '../ledger';
import { MqttFleet } from '../mqtt-fleet';
import { claim, type ScenarioResult } from '../report';
import { RowCounter, waitForDrain, waitUntil } from '../row-counter';
import { ServerProcess } from '../server-process';

export type CommandDeliveryOptions = {
  /** Commands that must run, sent at each of the four steps. */
  perStep: number;
  /** TTL of those, long enough to outlast the faults. */
  longTtlMs: number;
  /** TTL of one command per step that must expire while the device is away. */
  shortTtlMs: number;
  brokerDownS: number;
  telemetryRate: number;
  telemetryDevices: number;
};

export const COMMAND_DELIVERY: Record<'full' | 'short', CommandDeliveryOptions> = {
  full: {
    perStep: 10,
    longTtlMs: 10 * 60_000,
    shortTtlMs: 20_000,
    brokerDownS: 5,
    telemetryRate: 200,
    telemetryDevices: 10,
  },
  short: {
    perStep: 3,
    longTtlMs: 120_000,
    shortTtlMs: 2_000,
    brokerDownS: 1,
    telemetryRate: 50,
    telemetryDevices: 5,
  },
};

const DEVICE = 'cmd-dev';
type Sent = { id: string; step: string; ttlMs: number; expiresAt: number };
type Row = { id: string; status: string; expires_at: Date; attempts: number };

export async function commandDelivery(o: CommandDeliveryOptions): Promise<ScenarioResult> {
  const cluster = await startCluster();
  const server = new ServerProcess({
    databaseUrl: cluster.databaseUrl,
    chainEnv: cluster.chainEnv,
    mqttUrl: cluster.mosquitto.url,
    clientId: 'chaos-cmd',
    work: cluster.work,
  });
  const counter = new RowCounter(cluster.sql);
  const fleet = new MqttFleet({
    url: cluster.mosquitto.url,
    prefix: 'cmdtel',
    devices: o.telemetryDevices,
  });
  const device = new CommandDevice(cluster.mosquitto.url, DEVICE);
  const sent: Sent[] = [];
  const sendFailures: string[] = [];
  // A distinct servo angle per command: the same logical command run twice shows device-side.
  let nonce = 0;
  const send = async (step: string, count: number, ttlMs: number) => {
    for (let i = 0; i < count; i += 1) {
      nonce += 1;
      try {
        const command = await server.mutation<{ id: string; expiresAt: string }>('commands.send', {
          deviceId: DEVICE,
          name: 'set_servo',
          params: { angle: nonce % 181 },
          ttlMs,
        });
        sent.push({ id: command.id, step, ttlMs, expiresAt: Date.parse(command.expiresAt) });
      } catch (error) {
        sendFailures.push(`${step}: ${(error as Error).message}`);
      }
    }
  };
  const sendStep = async (step: string) => {
    await send(step, o.perStep, o.longTtlMs);
    await send(step, 1, o.shortTtlMs);
  };

  try {
    await server.start(60_000);
    await server.useApiToken();
    await registerDevices(cluster.sql, 'cmdtel', o.telemetryDevices);
    await cluster.sql`INSERT INTO devices (id) VALUES (${DEVICE}) ON CONFLICT DO NOTHING`;
    // Once online, so the broker holds a persistent session with its cmd subscription; then away.
    await device.connect();
    await device.disconnect();
    await fleet.connect();
    counter.start();
    fleet.start(o.telemetryRate);

    await sendStep('device offline');
    await server.kill('SIGKILL');
    await server.start(60_000);
    await sendStep('server restarted');

    await cluster.mosquitto.kill('SIGTERM');
    // Sent while the broker is down: stored pending; the broker never saw them.
    await sendStep('broker down (clean stop)');
    await Bun.sleep(o.brokerDownS * 1000);
    await cluster.mosquitto.restart();
    await waitUntil(() => server.healthy(), 30_000);

    await sendStep('before broker SIGKILL');
    await cluster.mosquitto.kill('SIGKILL');
    await Bun.sleep(o.brokerDownS * 1000);
    await cluster.mosquitto.restart();
    await waitUntil(() => server.healthy(), 30_000);

    // The short-TTL commands must be past their expiry before the device is back.
    const lastShort = Math.max(
      ...sent.filter((s) => s.ttlMs === o.shortTtlMs).map((s) => s.expiresAt),
    );
    await Bun.sleep(Math.max(0, lastShort + 1500 - Date.now()));
    const backAt = Date.now();
    await device.connect();
    const finals = ['done', 'rejected', 'failed', 'expired'];
    const rows = async () =>
      (await cluster.sql`SELECT id, status, expires_at, attempts FROM commands
                         WHERE device_id = ${DEVICE}`) as unknown as Row[];
    let settledAt: number | undefined;
    await waitUntil(async () => {
      const all = await rows();
      if (all.length < sent.length || !all.every((r) => finals.includes(r.status))) return false;
      settledAt = Date.now();
      return true;
    }, 60_000);
    // Late redeliveries (a republish racing the ack) would land now: give them time to arrive.
    await Bun.sleep(2000);
    await fleet.stop();
    await waitForDrain(counter, fleet.acked(), 3000, 30_000);
    await counter.stop();

    const final = await rows();
    const byStatus = (status: string) => final.filter((r) => r.status === status).length;
    const now = Date.now();
    // Open past its expiry, beyond the sweeper's second (and an accepted command's 30 s grace).
    const stuck = final.filter((r) => {
      if (finals.includes(r.status)) return false;
      const grace = r.status === 'accepted' ? 32_000 : 2_000;
      return r.expires_at.getTime() < now - grace;
    }).length;
    const open = final.filter((r) => !finals.includes(r.status)).length;
    const longIds = new Set(sent.filter((s) => s.ttlMs === o.longTtlMs).map((s) => s.id));
    const shortIds = new Set(sent.filter((s) => s.ttlMs === o.shortTtlMs).map((s) => s.id));
    const longDone = final.filter((r) => longIds.has(r.id) && r.status === 'done').length;
    const shortExpired = final.filter((r) => shortIds.has(r.id) && r.status === 'expired').length;
    const ranAfterExpiry = [...shortIds].filter((id) => device.executions.has(id)).length;
    const acknowledged = byStatus('done') + byStatus('rejected') + byStatus('failed');
    const deliveries = [...device.deliveries.values()];
    const redelivered = deliveries.reduce((n, d) => n + Math.max(0, d - 1), 0);
    const ledger = reconcile(
      fleet.sent,
      fleet.ackedDevices(),
      await storedRows(cluster.sql, 'cmdtel'),
    );
    const recoveryMs = settledAt === undefined ? null : settledAt - backAt;
    return {
      name: 'command-delivery',
      figures: {
        ...ledger,
        recoveryMs,
        // Commands settled per second once the device was back.
        drainMsgPerSec:
          recoveryMs === null ? null : (longIds.size * 1000) / Math.max(1, recoveryMs),
        extra: {
          offeredMsgPerSec: o.telemetryRate,
          commandsSent: sent.length,
          sendFailures: sendFailures.length,
          acknowledged,
          done: byStatus('done'),
          rejected: byStatus('rejected'),
          failed: byStatus('failed'),
          expired: byStatus('expired'),
          open,
          stuck,
          executed: device.executions.size,
          executedTwice: device.executedTwice(),
          ranAfterExpiry,
          deliveries: deliveries.reduce((n, d) => n + d, 0),
          redelivered,
          maxAttempts: Math.max(0, ...final.map((r) => r.attempts)),
        },
      },
      claims: [
        claim(
          'every command sent through the API was stored',
          sendFailures.length === 0 && final.length === sent.length,
          `${final.length} stored of ${sent.length + sendFailures.length} sent${sendFailures.length > 0 ? `; ${sendFailures.join('; ')}` : ''}`,
        ),
        claim(
          'every command ends acknowledged or expired',
          acknowledged + byStatus('expired') === final.length && final.length > 0,
          `${acknowledged} acknowledged + ${byStatus('expired')} expired of ${final.length}`,
        ),
        claim(
          'none stuck in pending/sent/accepted past its expiry',
          stuck === 0,
          `${stuck} stuck, ${open} open`,
        ),
        claim(
          'none executed twice by the device',
          device.executedTwice() === 0,
          `${device.executedTwice()} repeat executions over ${device.executions.size} commands run, ${redelivered} redeliveries answered from memory`,
        ),
        claim(
          'every command still valid when the device came back ran',
          longDone === longIds.size,
          `${longDone}/${longIds.size} done`,
        ),
        claim(
          'commands whose TTL ran out while the device was away expired unrun',
          shortExpired === shortIds.size && ranAfterExpiry === 0,
          `${shortExpired}/${shortIds.size} expired, ${ranAfterExpiry} ran`,
        ),
        claim('telemetry: 0 duplicated', ledger.duplicated === 0, `${ledger.duplicated}`),
        claim(
          'telemetry: 100% of losses detected as per-device seq gaps',
          ledger.lostDetected === ledger.lost,
          `${ledger.lostDetected}/${ledger.lost} lost inside a gap`,
        ),
      ],
    };
  } finally {
    await device.disconnect().catch(() => {});
    await fleet.close();
    await counter.stop();
    await server.kill('SIGTERM');
    await cluster.stop();
  }
}
