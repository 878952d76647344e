/**
 * Devices as real mqtt.js clients (QoS 1, automatic reconnect, unacknowledged publishes resent
 * after a reconnect), for scenarios where the broker itself goes away or demands credentials —
 * the bench load generator's raw sockets do neither. Every PUBACK is recorded per (device, boot, seq).
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { AckedDevice } from './ledger';

export type FleetOptions = {
  url: string;
  /** Device ids are `<prefix>-0 .. <prefix>-(devices-1)`. */
  prefix: string;
  devices: number;
  username?: string;
  password?: string;
  /**
   * Every `spikeEvery`-th reading of a device carries temperature 480 °C, out of the physical range
   * the detector knows (a 'spike' anomaly); the others wander around 21 °C so they stay normal.
   */
  spikeEvery?: number;
};

type Device = {
  id: string;
  boot: number;
  seq: number;
  client: MqttClient;
  acked: number[];
  /** Seqs that carried a spike and were acknowledged. */
  ackedSpikes: number[];
};

export class MqttFleet {
  #devices: Device[] = [];
  #timer: ReturnType<typeof setInterval> | undefined;
  sent = 0;

  constructor(private readonly options: FleetOptions) {}

  /** Connects every device; rejects if one is refused or none answers in 10 s. */
  async connect(): Promise<void> {
    const o = this.options;
    this.#devices = await Promise.all(
      Array.from({ length: o.devices }, async (_, i) => {
        const id = `${o.prefix}-${i}`;
        const client = await mqtt.connectAsync(o.url, {
          clientId: id,
          protocolVersion: 4,
          reconnectPeriod: 250,
          connectTimeout: 10_000,
          ...(o.username === undefined ? {} : { username: o.username, password: o.password }),
        });
        client.on('error', () => {});
        return {
          id,
          boot: 1 + Math.floor(Math.random() * 0xfffffff0),
          seq: 0,
          client,
          acked: [],
          ackedSpikes: [],
        };
      }),
    );
  }

  /** Publishes `rate` messages per second spread over the devices until stop(). */
  start(rate: number): void {
    const started = performance.now();
    const spikeEvery = this.options.spikeEvery;
    let cursor = 0;
    this.#timer = setInterval(() => {
      const due = Math.floor(((performance.now() - started) * rate) / 1000);
      for (; this.sent < due; this.sent += 1) {
        const device = this.#devices[cursor % this.#devices.length] as Device;
        cursor += 1;
        device.seq += 1;
        const seq = device.seq;
        const spike = spikeEvery !== undefined && seq % spikeEvery === 0;
        const payload = JSON.stringify({
          ts: Date.now(),
          boot: device.boot,
          seq,
          metrics: spike
            ? { temperature: 480, humidity: 40 }
            : spikeEvery === undefined
              ? { temperature: 21.5, humidity: 40 }
              : { temperature: 21 + Math.random(), humidity: 40 + Math.random() * 2 },
        });
        device.client.publish(`devices/${device.id}/telemetry`, payload, { qos: 1 }, (error) => {
          if (error !== undefined && error !== null) return;
          device.acked.push(seq);
          if (spike) device.ackedSpikes.push(seq);
        });
      }
    }, 10);
  }

  /** Stops publishing and waits (bounded) until every publish was acknowledged or given up. */
  async stop(timeoutMs = 15_000): Promise<void> {
    clearInterval(this.#timer);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && this.acked() < this.sent) await Bun.sleep(50);
  }

  acked(): number {
    return this.#devices.reduce((n, d) => n + d.acked.length, 0);
  }

  /** Connected devices right now. */
  connected(): number {
    return this.#devices.filter((d) => d.client.connected).length;
  }

  /** Acknowledged readings that carried a spike. */
  ackedSpikes(): number {
    return this.#devices.reduce((n, d) => n + d.ackedSpikes.length, 0);
  }

  ackedDevices(): AckedDevice[] {
    return this.#devices.map((d) => ({ id: d.id, boot: d.boot, acked: d.acked }));
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.all(this.#devices.map((d) => d.client.endAsync(true)));
  }
}
