/**
 * Turns one received MQTT message into what the batch writer stores: a reading, or a dead letter
 * with its reason. Never throws on bad input; the protocol package's decoder returns a reason.
 */
import { createHash } from 'node:crypto';
import { decodeTelemetry, type RejectReason, type Telemetry } from '@vigil/protocol';
import type { AckTicket, InboundMessage } from './mqtt-consumer';

/** Bytes of a rejected payload kept in its dead letter. */
export const DEAD_LETTER_HEAD_BYTES = 256;

export type ReadingItem = {
  kind: 'reading';
  deviceId: string;
  /** Reading time (device clock), epoch ms. */
  tsMs: number;
  boot: number;
  seq: number;
  metrics: Record<string, number | boolean>;
  /** The decoded message, handed on to detection so it is not decoded twice. */
  telemetry: Telemetry;
  /** SHA-256 of the exact payload bytes, hex. */
  sha256: string;
  /** Kept until the write, which dead-letters the reading if its device is unknown. */
  payload: Buffer;
};

export type RejectedItem = {
  kind: 'rejected';
  reason: RejectReason;
  detail: string;
  deviceId: string | null;
  payloadHead: Buffer;
  payloadBytes: number;
};

/** One message on its way to the database, with what is needed to acknowledge it afterwards. */
export type IngestItem = (ReadingItem | RejectedItem) & {
  topic: string;
  receivedAt: number;
  ack: AckTicket | null;
};

export type IntakeOptions = {
  topicRoot: string;
  legacy: { flat: boolean; node: boolean; drone: boolean };
};

/** Decodes and validates one message; the result is always storable. */
export function toIngestItem(message: InboundMessage, options: IntakeOptions): IngestItem {
  const { topic, payload, receivedAt, ack } = message;
  const decoded = decodeTelemetry(topic, payload, {
    receivedAt,
    topicRoot: options.topicRoot,
    legacy: options.legacy,
  });
  if (!decoded.ok) {
    return rejectedItem(message, decoded.reason, decoded.detail, decoded.deviceId ?? null);
  }
  const { telemetry } = decoded;
  return {
    kind: 'reading',
    deviceId: decoded.deviceId,
    tsMs: decoded.tsMs,
    boot: telemetry.boot,
    seq: telemetry.seq,
    metrics: telemetry.metrics,
    telemetry,
    // node:crypto measured fastest here for ~100-byte payloads (0.5 µs vs 1.1-2.4 µs for Bun's).
    sha256: createHash('sha256').update(payload).digest('hex'),
    payload,
    topic,
    receivedAt,
    ack,
  };
}

/** A dead letter for `message`; also used when a reading's device turns out to be unknown. */
export function rejectedItem(
  message: Pick<InboundMessage, 'topic' | 'payload' | 'receivedAt' | 'ack'>,
  reason: RejectReason,
  detail: string,
  deviceId: string | null,
): IngestItem {
  return {
    kind: 'rejected',
    reason,
    detail,
    deviceId,
    payloadHead: Buffer.from(message.payload.subarray(0, DEAD_LETTER_HEAD_BYTES)),
    payloadBytes: message.payload.byteLength,
    topic: message.topic,
    receivedAt: message.receivedAt,
    ack: message.ack,
  };
}
