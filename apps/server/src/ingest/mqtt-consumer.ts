/**
 * One MQTT consumer connection driven packet by packet with mqtt-packet over a raw socket.
 *
 * mqtt.js parses the next PUBLISH only after the previous one's PUBACK is written, so holding
 * acknowledgements until a database commit would cap a connection at one message per commit.
 * Here every PUBLISH is parsed and handed on as soon as its bytes arrive, and PUBACKs are sent
 * later, a whole committed batch at once, in the order the messages arrived.
 *
 * The session is persistent (stable client id; MQTT 5 clean start false with a long session
 * expiry, or MQTT 3.1.1 clean session false), so whatever was not acknowledged when a connection
 * or the process dies is redelivered by the broker; storage deduplicates it.
 */
import { readFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import mqttPacket, { type IConnackPacket, type Packet } from 'mqtt-packet';
import type { Logger } from '../log';
import { PacketFramer, type PublishFrame } from './packet-framer';
import { connectPacket, sharedSubscriptionsUsable, subscribePacket } from './session-packets';

/** Identifies one received QoS 1 message for its later acknowledgement. */
export type AckTicket = { consumer: MqttConsumer; generation: number; packetId: number };

export type InboundMessage = {
  topic: string;
  payload: Buffer;
  /** Epoch ms when the PUBLISH was parsed. */
  receivedAt: number;
  /** null for QoS 0 messages, which need no acknowledgement. */
  ack: AckTicket | null;
};

export type MqttConsumerOptions = {
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  /** PEM file paths for an mqtts:// broker: CA to trust, client certificate and key. */
  tls?: { ca?: string; cert?: string; key?: string };
  /** Topic filters without the `$share/<group>/` prefix. */
  filters: string[];
  /** Shared-subscription group; '' subscribes directly. */
  shareGroup: string;
  /** MQTT 5 Receive Maximum: unacknowledged messages the broker may have in flight to us. */
  receiveMaximum: number;
  keepaliveSeconds?: number;
  /** MQTT 5 session expiry; the broker keeps our queue this long while we are away. */
  sessionExpirySeconds?: number;
  /**
   * Reconnect after the connection drops (default true). An adopted session's connection must not
   * (it would fight the owner coming back for it); it ends and reports through `onEnded`.
   */
  reconnect?: boolean;
  /** A connection without `reconnect` ended other than by stop(); `takenOver`: by the same id. */
  onEnded?(ended: { takenOver: boolean }): void;
  onMessage(message: InboundMessage): void;
  log: Logger;
};

/** Thrown at start for a URL this consumer cannot connect to. */
export class UnsupportedBrokerUrlError extends Error {
  override name = 'UnsupportedBrokerUrlError';
}

const CONNECT_TIMEOUT_MS = 10_000;
const UNSUPPORTED_PROTOCOL = new Set([1, 0x84]);
/** MQTT 5 DISCONNECT reason: another connection with our client id took the session over. */
const SESSION_TAKEN_OVER = 0x8e;

/** Longest wait between reconnect attempts (jittered down to half of it). */
const RECONNECT_MAX_MS = 2_000;

/** A persistent-session QoS 1 consumer with explicit, batched acknowledgements. */
export class MqttConsumer {
  readonly #opts: MqttConsumerOptions;
  readonly #host: string;
  readonly #port: number;
  readonly #tls: boolean;
  readonly #tlsFiles: { ca?: Buffer; cert?: Buffer; key?: Buffer };
  #protocolVersion: 4 | 5 = 5;
  #socket: Socket | null = null;
  #generation = 0;
  #ready = false;
  #paused = false;
  #stopped = false;
  #attempt = 0;
  /** The broker asked for MQTT 3.1.1: the next connect is part of this one, not a reconnect. */
  #downgraded = false;
  #takenOver = false;
  /** QoS 1 messages of the current connection not yet acknowledged. */
  #unacknowledged = 0;
  #lastReceived = 0;
  #pingTimer: ReturnType<typeof setInterval> | null = null;
  #reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  #connectTimer: ReturnType<typeof setTimeout> | null = null;
  #readyWaiters: Array<() => void> = [];

  constructor(options: MqttConsumerOptions) {
    this.#opts = options;
    const url = new URL(options.url);
    const tls = url.protocol === 'mqtts:' || url.protocol === 'ssl:' || url.protocol === 'tls:';
    if (!tls && url.protocol !== 'mqtt:' && url.protocol !== 'tcp:') {
      throw new UnsupportedBrokerUrlError(
        `ingest connects over TCP or TLS (mqtt://, mqtts://), not ${url.protocol}//`,
      );
    }
    this.#tls = tls;
    // Read once at start: a missing file fails here, not on every reconnect.
    const files = options.tls ?? {};
    this.#tlsFiles = Object.fromEntries(
      Object.entries(files).flatMap(([k, path]) =>
        path === undefined ? [] : [[k, readFileSync(path)]],
      ),
    );
    this.#host = url.hostname;
    this.#port = Number(url.port || (tls ? 8883 : 1883));
  }

  /** Connected, session established and subscribed. */
  get ready(): boolean {
    return this.#ready;
  }

  /** QoS 1 messages received on the current connection and not yet acknowledged. */
  get unacknowledged(): number {
    return this.#unacknowledged;
  }

  /** The MQTT protocol level in use: 5, or 4 (3.1.1) when the broker does not speak MQTT 5. */
  get protocolVersion(): 4 | 5 {
    return this.#protocolVersion;
  }

  /**
   * Opens the connection; resolves on the first successful subscription (or, without
   * `reconnect`, when the connection ends before it). Otherwise reconnects forever.
   */
  start(): Promise<void> {
    const first = new Promise<void>((resolve) => this.#readyWaiters.push(resolve));
    this.#connect();
    return first;
  }

  /** Acknowledges messages of a committed batch, in the given (arrival) order, in one write. */
  acknowledge(packetIds: readonly number[], generation: number): void {
    const socket = this.#socket;
    // Packet ids belong to the connection that delivered them; after a reconnect the broker
    // redelivers those messages with new ids, and the stale acknowledgements are dropped.
    if (socket === null || generation !== this.#generation || packetIds.length === 0) return;
    this.#unacknowledged -= packetIds.length;
    // A PUBACK with reason Success and no properties is 4 bytes in both 3.1.1 and 5.
    const out = Buffer.allocUnsafe(packetIds.length * 4);
    let at = 0;
    for (const id of packetIds) {
      out[at] = 0x40;
      out[at + 1] = 0x02;
      out[at + 2] = id >> 8;
      out[at + 3] = id & 0xff;
      at += 4;
    }
    socket.write(out);
  }

  /** Stops reading from the socket (backpressure); the broker holds what we do not read. */
  pause(): void {
    this.#paused = true;
    this.#socket?.pause();
  }

  resume(): void {
    this.#paused = false;
    this.#lastReceived = Date.now();
    this.#socket?.resume();
  }

  /** Disconnects cleanly; the persistent session (and anything unacknowledged) stays on the broker. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#clearTimers();
    const socket = this.#socket;
    this.#socket = null;
    this.#ready = false;
    if (socket === null || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end(
        mqttPacket.generate({ cmd: 'disconnect' }, { protocolVersion: this.#protocolVersion }),
      );
      setTimeout(() => socket.destroy(), 1_000).unref();
    });
  }

  #connect(): void {
    if (this.#stopped) return;
    this.#generation += 1;
    this.#unacknowledged = 0;
    const generation = this.#generation;
    const version = this.#protocolVersion;
    const socket = this.#tls
      ? tlsConnect({
          host: this.#host,
          port: this.#port,
          servername: this.#host,
          ...this.#tlsFiles,
        })
      : netConnect({ host: this.#host, port: this.#port });
    socket.setNoDelay(true);
    this.#socket = socket;
    // PUBLISH packets are decoded by the framer; the rare control packets by mqtt-packet.
    const parser = mqttPacket.parser({ protocolVersion: version });
    parser.on('packet', (packet: Packet) => this.#onPacket(packet, generation));
    const dropConnection = (reason: string) => {
      this.#opts.log.warn('malformed packet from broker', { reason });
      socket.destroy();
    };
    parser.on('error', (error: Error) => dropConnection(error.message));
    const framer = new PacketFramer(version, {
      publish: (frame) => this.#onPublish(frame, generation),
      other: (frame) => parser.parse(frame),
      malformed: dropConnection,
    });
    const connect = connectPacket(
      {
        clientId: this.#opts.clientId,
        username: this.#opts.username,
        password: this.#opts.password,
        keepaliveSeconds: this.#opts.keepaliveSeconds ?? 30,
        sessionExpirySeconds: this.#opts.sessionExpirySeconds ?? 14 * 24 * 3600,
        receiveMaximum: this.#opts.receiveMaximum,
      },
      version,
    );
    socket.on(this.#tls ? 'secureConnect' : 'connect', () => socket.write(connect));
    socket.on('data', (chunk: Buffer) => {
      this.#lastReceived = Date.now();
      if (generation === this.#generation) framer.push(chunk);
    });
    socket.on('error', (error) => {
      this.#opts.log.warn('broker connection error', { error: error.message });
    });
    socket.on('close', () => this.#onClose(generation));
    this.#connectTimer = setTimeout(() => {
      if (!this.#ready && this.#generation === generation) {
        this.#opts.log.warn('no CONNACK from broker in time');
        socket.destroy();
      }
    }, CONNECT_TIMEOUT_MS);
  }

  #onPacket(packet: Packet, generation: number): void {
    if (generation !== this.#generation) return;
    switch (packet.cmd) {
      case 'connack':
        this.#onConnack(packet);
        return;
      case 'suback': {
        const failed = packet.granted.filter((code) => typeof code === 'number' && code >= 0x80);
        if (failed.length > 0) {
          this.#opts.log.error('broker refused a subscription', { codes: packet.granted });
        }
        this.#ready = true;
        for (const resolve of this.#readyWaiters.splice(0)) resolve();
        return;
      }
      case 'disconnect': {
        this.#takenOver = packet.reasonCode === SESSION_TAKEN_OVER;
        // Expected for an adopted session when its owner comes back.
        const expected = this.#takenOver && this.#opts.reconnect === false;
        this.#opts.log[expected ? 'info' : 'warn']('broker sent DISCONNECT', {
          reasonCode: packet.reasonCode,
        });
        return;
      }
      default:
        return;
    }
  }

  #onPublish(frame: PublishFrame, generation: number): void {
    if (generation !== this.#generation) return;
    const ack =
      frame.qos > 0 && frame.packetId !== undefined
        ? { consumer: this, generation, packetId: frame.packetId }
        : null;
    if (ack !== null) this.#unacknowledged += 1;
    this.#opts.onMessage({
      topic: frame.topic,
      payload: frame.payload,
      receivedAt: Date.now(),
      ack,
    });
  }

  #onConnack(packet: IConnackPacket): void {
    const code = packet.reasonCode ?? packet.returnCode ?? 0;
    if (code !== 0) {
      if (this.#protocolVersion === 5 && UNSUPPORTED_PROTOCOL.has(code)) {
        this.#opts.log.info('broker does not speak MQTT 5; using MQTT 3.1.1');
        this.#protocolVersion = 4;
        this.#attempt = 0;
        this.#downgraded = true;
      } else {
        this.#opts.log.error('broker refused the connection', { code });
      }
      this.#socket?.destroy();
      return;
    }
    if (this.#connectTimer !== null) clearTimeout(this.#connectTimer);
    this.#attempt = 0;
    const shared =
      this.#opts.shareGroup !== '' && sharedSubscriptionsUsable(this.#protocolVersion, packet);
    if (this.#opts.shareGroup !== '' && !shared) {
      this.#opts.log.warn('broker without shared subscriptions: subscribing directly');
    }
    this.#socket?.write(
      subscribePacket(
        this.#opts.filters,
        shared ? this.#opts.shareGroup : null,
        this.#protocolVersion,
      ),
    );
    const keepalive = packet.properties?.serverKeepAlive ?? this.#opts.keepaliveSeconds ?? 30;
    this.#startPing(keepalive);
    if (this.#paused) this.#socket?.pause();
    this.#opts.log.info('connected to broker', {
      protocol: this.#protocolVersion === 5 ? 'MQTT 5' : 'MQTT 3.1.1',
      sessionPresent: packet.sessionPresent,
      shared,
    });
  }

  #startPing(keepaliveSeconds: number): void {
    if (this.#pingTimer !== null) clearInterval(this.#pingTimer);
    if (keepaliveSeconds <= 0) return;
    const socket = this.#socket;
    const ping = mqttPacket.generate({ cmd: 'pingreq' });
    this.#pingTimer = setInterval(
      () => {
        // While paused we read nothing, PINGRESP included; silence then is our own doing.
        if (!this.#paused && Date.now() - this.#lastReceived > keepaliveSeconds * 1500) {
          this.#opts.log.warn('broker silent beyond keepalive; reconnecting');
          socket?.destroy();
          return;
        }
        socket?.write(ping);
      },
      (keepaliveSeconds * 1000) / 2,
    );
  }

  #onClose(generation: number): void {
    if (generation !== this.#generation) return;
    this.#clearTimers();
    this.#ready = false;
    this.#socket = null;
    if (this.#stopped) return;
    if (this.#opts.reconnect === false && !this.#downgraded) {
      this.#stopped = true;
      for (const resolve of this.#readyWaiters.splice(0)) resolve();
      this.#opts.onEnded?.({ takenOver: this.#takenOver });
      return;
    }
    this.#downgraded = false;
    this.#takenOver = false;
    // Capped at 2 s: a reconnect attempt is one TCP connect, and every second away costs
    // messages on a broker that does not keep shared subscriptions across its restart.
    const delay = Math.min(RECONNECT_MAX_MS, 100 * 2 ** this.#attempt) * (0.5 + Math.random() / 2);
    this.#attempt = Math.min(this.#attempt + 1, 10);
    this.#opts.log.warn('broker connection closed; reconnecting', { inMs: Math.round(delay) });
    this.#reconnectTimer = setTimeout(() => this.#connect(), delay);
  }

  #clearTimers(): void {
    for (const timer of [this.#connectTimer, this.#reconnectTimer]) {
      if (timer !== null) clearTimeout(timer);
    }
    if (this.#pingTimer !== null) clearInterval(this.#pingTimer);
    this.#pingTimer = null;
    this.#connectTimer = null;
    this.#reconnectTimer = null;
  }
}
