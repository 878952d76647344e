/**
 * The packets that open an ingest session: CONNECT with a persistent session and a Receive
 * Maximum, and SUBSCRIBE at QoS 1, inside a shared-subscription group when the broker has them.
 */
import mqttPacket, { type IConnackPacket } from 'mqtt-packet';

export type SessionOptions = {
  clientId: string;
  username?: string;
  password?: string;
  keepaliveSeconds: number;
  sessionExpirySeconds: number;
  /** MQTT 5 Receive Maximum: unacknowledged messages the broker may have in flight to us. */
  receiveMaximum: number;
};

/** CONNECT with clean start false (3.1.1: clean session false) and, for MQTT 5, the limits. */
export function connectPacket(session: SessionOptions, version: 4 | 5): Buffer {
  return mqttPacket.generate(
    {
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: version,
      clientId: session.clientId,
      clean: false,
      keepalive: session.keepaliveSeconds,
      ...(session.username !== undefined ? { username: session.username } : {}),
      ...(session.password !== undefined ? { password: Buffer.from(session.password) } : {}),
      ...(version === 5
        ? {
            properties: {
              sessionExpiryInterval: session.sessionExpirySeconds,
              receiveMaximum: Math.max(1, Math.min(65_535, session.receiveMaximum)),
            },
          }
        : {}),
    },
    { protocolVersion: version },
  );
}

/**
 * Whether `$share/...` filters will work. MQTT 5 brokers say so in CONNACK. A 3.1.1-only broker
 * cannot say, and one without shared subscriptions would silently deliver nothing on a `$share`
 * filter, so there we subscribe directly: correct for one replica, and merely redundant (rows
 * deduplicate) for more.
 */
export function sharedSubscriptionsUsable(version: 4 | 5, connack: IConnackPacket): boolean {
  return version === 5 && connack.properties?.sharedSubscriptionAvailable !== false;
}

/** SUBSCRIBE to every filter at QoS 1, in `shareGroup` when given ('' or null: directly). */
export function subscribePacket(
  filters: string[],
  shareGroup: string | null,
  version: 4 | 5,
): Buffer {
  const subscriptions = filters.map((filter) => ({
    topic: shareGroup ? `$share/${shareGroup}/${filter}` : filter,
    qos: 1 as const,
  }));
  return mqttPacket.generate(
    { cmd: 'subscribe', messageId: 1, subscriptions },
    { protocolVersion: version },
  );
}
