import { topics } from '@vigil/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import type { Emission, SimulatedDevice } from './device';
import { DeviceCommands } from './device-commands';
import type { FaultType } from './types';

/** Broker credentials of one device. */
export type DeviceCredentials = { username: string; password: string };

export type LiveDeviceOptions = {
  url: string;
  device: SimulatedDevice;
  /** Reported in the retained state message. */
  fw: string;
  model: string;
  credentials?: DeviceCredentials;
  topicRoot?: string;
  /** Publishes awaiting PUBACK beyond which new readings are skipped (the broker is not keeping up). */
  maxInFlight: number;
  connectTimeoutMs: number;
  onError(error: Error): void;
};

/** Counters of one live device. */
export type LiveDeviceStats = {
  /** Handed to the client. */
  sent: number;
  /** Acknowledged by the broker (PUBACK). */
  acked: number;
  failed: number;
  /** Not sent because too many publishes were awaiting PUBACK. */
  skipped: number;
  /** Commands run (first delivery of an id). */
  commandsRun: number;
  /** Deliveries of an id already seen: answered again, not run. */
  commandsRepeated: number;
  /** Sent messages that belong to a fault episode, by type. */
  faults: Partial<Record<FaultType, number>>;
};

/** How long a clean stop waits for outstanding PUBACKs before disconnecting anyway. */
const DRAIN_TIMEOUT_MS = 3_000;

/**
 * One simulated device on a real MQTT connection, as firmware does it: client id = device id, a
 * persistent session, QoS 1, a retained `online:false` Last Will on its state topic and a
 * retained `online:true` state on every (re)connect.
 */
export class LiveDevice {
  readonly stats: LiveDeviceStats = {
    sent: 0,
    acked: 0,
    failed: 0,
    skipped: 0,
    commandsRun: 0,
    commandsRepeated: 0,
    faults: {},
  };
  private client: MqttClient | undefined;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private inFlight = 0;
  private lastT = 0;
  private stopped = false;
  private readonly stateTopic: string;
  private readonly cmdTopic: string;
  private readonly commands: DeviceCommands;

  constructor(private readonly options: LiveDeviceOptions) {
    this.stateTopic = topics.state(options.device.deviceId, options.topicRoot);
    this.cmdTopic = topics.cmd(options.device.deviceId, options.topicRoot);
    this.commands = new DeviceCommands(options.device);
  }

  get deviceId(): string {
    return this.options.device.deviceId;
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /** Connects (rejecting after `connectTimeoutMs`), announces itself online and starts reporting. */
  async start(): Promise<void> {
    const { device, credentials } = this.options;
    const client = mqtt.connect(this.options.url, {
      clientId: device.deviceId,
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 1_000,
      connectTimeout: this.options.connectTimeoutMs,
      username: credentials?.username,
      password: credentials?.password,
      will: {
        topic: this.stateTopic,
        payload: Buffer.from(JSON.stringify({ online: false })),
        qos: 1,
        retain: true,
      },
    });
    this.client = client;
    client.on('connect', () => {
      this.announce();
      // The persistent session keeps the subscription; renewing it costs one round trip.
      client.subscribe(this.cmdTopic, { qos: 1 }, (error) => {
        if (error) this.options.onError(error);
      });
    });
    client.on('message', (topic, payload) => {
      if (topic === this.cmdTopic) this.onCommand(payload);
    });
    await new Promise<void>((resolve, reject) => {
      const fail = (error: Error) => {
        clearTimeout(timer);
        client.removeListener('connect', succeed);
        client.removeListener('error', fail);
        client.on('error', () => {});
        client.end(true);
        reject(
          new Error(
            `${device.deviceId} could not connect to ${this.options.url}: ${error.message}`,
          ),
        );
      };
      const succeed = () => {
        clearTimeout(timer);
        client.removeListener('error', fail);
        resolve();
      };
      const timer = setTimeout(
        () => fail(new Error(`no CONNACK within ${this.options.connectTimeoutMs} ms`)),
        this.options.connectTimeoutMs,
      );
      client.once('connect', succeed);
      client.once('error', fail);
    });
    // After the first connect, errors are transient: mqtt.js reconnects by itself.
    client.on('error', (error) => this.options.onError(error));
    this.schedule(Date.now());
  }

  /**
   * Stops reporting, waits briefly for PUBACKs, publishes the retained offline state and
   * disconnects. Bounded: if the broker has gone away meanwhile, the socket is simply closed.
   */
  async stop(): Promise<void> {
    this.halt();
    const client = this.client;
    if (client === undefined) return;
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    while (this.inFlight > 0 && client.connected && Date.now() < deadline) await Bun.sleep(20);
    const goodbye = async () => {
      if (!client.connected) return false;
      await client.publishAsync(this.stateTopic, JSON.stringify({ online: false }), {
        qos: 1,
        retain: true,
      });
      await client.endAsync();
      return true;
    };
    const clean = await Promise.race([
      goodbye().catch(() => false),
      Bun.sleep(DRAIN_TIMEOUT_MS).then(() => false),
    ]);
    if (!clean) await client.endAsync(true);
  }

  /** Drops the connection without DISCONNECT, like a power cut: the broker publishes the Will. */
  kill(): void {
    this.halt();
    this.client?.end(true);
  }

  private halt(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private announce(): void {
    const { fw, model } = this.options;
    this.client?.publish(
      this.stateTopic,
      JSON.stringify({ online: true, fw, model }),
      { qos: 1, retain: true },
      (error) => {
        if (error) this.options.onError(error);
      },
    );
  }

  /** Runs a command and publishes its acknowledgements; a reboot silences the device briefly. */
  private onCommand(payload: Uint8Array): void {
    const outcome = this.commands.handle(payload);
    if (outcome === null) return;
    if (outcome.repeated) this.stats.commandsRepeated += 1;
    else this.stats.commandsRun += 1;
    const ackTopic = topics.cmdAck(this.deviceId, this.options.topicRoot);
    for (const ack of outcome.acks) {
      this.client?.publish(ackTopic, JSON.stringify(ack), { qos: 1 }, (error) => {
        if (error) this.options.onError(error);
      });
    }
    if (outcome.effect.reboot) {
      for (const timer of this.timers) clearTimeout(timer);
      this.timers.clear();
      this.later(Date.now() + outcome.effect.pauseMs, () => {
        this.options.device.reboot();
        this.announce();
        this.schedule(Date.now());
      });
    }
  }

  private schedule(atMs: number): void {
    this.later(atMs, () => this.tick());
  }

  private later(atMs: number, run: () => void): void {
    if (this.stopped) return;
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        if (!this.stopped) run();
      },
      Math.max(0, atMs - Date.now()),
    );
    this.timers.add(timer);
  }

  private tick(): void {
    // The device's time never runs backwards, even if a timer fires early.
    const t = Math.max(Date.now(), this.lastT);
    this.lastT = t;
    const { emissions, nextMs } = this.options.device.step(t);
    for (const emission of emissions) {
      if (emission.sentAt <= t) this.publish(emission);
      else this.later(emission.sentAt, () => this.publish(emission));
    }
    this.schedule(nextMs);
  }

  private publish(emission: Emission): void {
    const client = this.client;
    if (client === undefined) return;
    if (this.inFlight >= this.options.maxInFlight) {
      this.stats.skipped += 1;
      return;
    }
    this.inFlight += 1;
    this.stats.sent += 1;
    if (emission.label !== null) {
      this.stats.faults[emission.label] = (this.stats.faults[emission.label] ?? 0) + 1;
    }
    client.publish(emission.topic, emission.payload, { qos: 1 }, (error) => {
      this.inFlight -= 1;
      if (error) {
        this.stats.failed += 1;
        this.options.onError(error);
      } else {
        this.stats.acked += 1;
      }
    });
  }
}
