/**
 * Splits the broker's byte stream into MQTT packets and decodes PUBLISH packets itself; every
 * other packet (CONNACK, SUBACK, PINGRESP, DISCONNECT) is handed on as one complete frame for
 * mqtt-packet's parser. PUBLISH is nearly all of the traffic, and decoding it here (a topic, a
 * packet id, skipped MQTT 5 properties, and the payload as a view into the received chunk) costs a
 * fraction of the general parser's buffer-list bookkeeping per message.
 */

export type PublishFrame = {
  topic: string;
  qos: number;
  /** Present for QoS 1 and 2. */
  packetId: number | undefined;
  /** A view into the received bytes (no copy). */
  payload: Buffer;
};

export type FramerHandlers = {
  publish(frame: PublishFrame): void;
  /** Any other complete packet, header included. */
  other(frame: Buffer): void;
  /** The stream is not MQTT; the connection must be dropped. */
  malformed(reason: string): void;
};

const EMPTY = Buffer.alloc(0);

/** An incremental MQTT packet framer for one connection at protocol level 4 or 5. */
export class PacketFramer {
  #rest: Buffer = EMPTY;
  readonly #v5: boolean;
  readonly #on: FramerHandlers;

  constructor(protocolVersion: 4 | 5, handlers: FramerHandlers) {
    this.#v5 = protocolVersion === 5;
    this.#on = handlers;
  }

  /** Feeds received bytes; calls the handlers once per complete packet, in order. */
  push(chunk: Buffer): void {
    const buf = this.#rest.length === 0 ? chunk : Buffer.concat([this.#rest, chunk]);
    let pos = 0;
    while (buf.length - pos >= 2) {
      let length = 0;
      let multiplier = 1;
      let at = pos + 1;
      let complete = false;
      for (let i = 0; i < 4 && at < buf.length; i += 1) {
        const byte = buf[at] as number;
        at += 1;
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete) {
        if (at - pos - 1 >= 4) {
          this.#on.malformed('remaining length longer than 4 bytes');
          this.#rest = EMPTY;
          return;
        }
        break;
      }
      const end = at + length;
      if (end > buf.length) break;
      const header = buf[pos] as number;
      if (header >> 4 === 3) {
        if (!this.#publish(buf, header, at, end)) return;
      } else this.#on.other(buf.subarray(pos, end));
      pos = end;
    }
    this.#rest = pos === buf.length ? EMPTY : buf.subarray(pos);
  }

  #publish(buf: Buffer, header: number, start: number, end: number): boolean {
    const qos = (header >> 1) & 3;
    let at = start + 2;
    if (at > end) return this.#fail('PUBLISH too short for its topic length');
    const topicEnd = at + buf.readUInt16BE(start);
    if (topicEnd > end) return this.#fail('PUBLISH topic runs past the packet');
    const topic = buf.toString('utf8', at, topicEnd);
    at = topicEnd;
    let packetId: number | undefined;
    if (qos > 0) {
      if (at + 2 > end) return this.#fail('PUBLISH too short for its packet id');
      packetId = buf.readUInt16BE(at);
      at += 2;
    }
    if (this.#v5) {
      let propertiesLength = 0;
      let multiplier = 1;
      for (let i = 0; i < 4; i += 1) {
        if (at >= end) return this.#fail('PUBLISH properties run past the packet');
        const byte = buf[at] as number;
        at += 1;
        propertiesLength += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) break;
      }
      at += propertiesLength;
      if (at > end) return this.#fail('PUBLISH properties run past the packet');
    }
    this.#on.publish({ topic, qos, packetId, payload: buf.subarray(at, end) });
    return true;
  }

  #fail(reason: string): false {
    this.#rest = EMPTY;
    this.#on.malformed(reason);
    return false;
  }
}
