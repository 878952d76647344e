import { LIMITS } from './limits';

/** Topic layout of protocol v1: `<root>/<device id>/<kind>`. */
export const DEFAULT_TOPIC_ROOT = 'devices';

export type TopicKind = 'telemetry' | 'state' | 'event' | 'cmd' | 'cmd_ack';

/** Device ids are safe as one topic level: no '/', '+', '#', '$' or spaces, at most 64 chars. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Event names (`<root>/<id>/event/<name>`): lower-case snake case, LIMITS.maxEventNameLength. */
export const EVENT_NAME_PATTERN = new RegExp(
  `^[a-z][a-z0-9_]{0,${LIMITS.maxEventNameLength - 1}}$`,
);

/** Refuses ids that would turn a topic into a wildcard filter or add levels to it. */
function level(deviceId: string): string {
  if (!DEVICE_ID_PATTERN.test(deviceId)) {
    throw new RangeError(
      `device id ${JSON.stringify(deviceId)} does not match ${DEVICE_ID_PATTERN}`,
    );
  }
  return deviceId;
}

/** Builders for every topic a device or the server uses; they throw RangeError on a bad id or name. */
export const topics = {
  telemetry: (deviceId: string, root = DEFAULT_TOPIC_ROOT) =>
    `${root}/${level(deviceId)}/telemetry`,
  state: (deviceId: string, root = DEFAULT_TOPIC_ROOT) => `${root}/${level(deviceId)}/state`,
  event: (deviceId: string, name: string, root = DEFAULT_TOPIC_ROOT) => {
    if (!EVENT_NAME_PATTERN.test(name)) {
      throw new RangeError(
        `event name ${JSON.stringify(name)} does not match ${EVENT_NAME_PATTERN}`,
      );
    }
    return `${root}/${level(deviceId)}/event/${name}`;
  },
  cmd: (deviceId: string, root = DEFAULT_TOPIC_ROOT) => `${root}/${level(deviceId)}/cmd`,
  cmdAck: (deviceId: string, root = DEFAULT_TOPIC_ROOT) => `${root}/${level(deviceId)}/cmd/ack`,
};

export type ParsedTopic = { deviceId: string; kind: TopicKind; eventName?: string };

/** Parses a v1 topic; null for anything that is not exactly one of the layouts above. */
export function parseTopic(topic: string, root = DEFAULT_TOPIC_ROOT): ParsedTopic | null {
  const prefix = `${root}/`;
  if (!topic.startsWith(prefix)) return null;
  const parts = topic.slice(prefix.length).split('/');
  const [deviceId, kind, extra, ...rest] = parts;
  if (deviceId === undefined || !DEVICE_ID_PATTERN.test(deviceId) || rest.length > 0) return null;
  if (kind === 'telemetry' && extra === undefined) return { deviceId, kind: 'telemetry' };
  if (kind === 'state' && extra === undefined) return { deviceId, kind: 'state' };
  if (kind === 'cmd' && extra === undefined) return { deviceId, kind: 'cmd' };
  if (kind === 'cmd' && extra === 'ack') return { deviceId, kind: 'cmd_ack' };
  if (kind === 'event' && extra !== undefined && EVENT_NAME_PATTERN.test(extra)) {
    return { deviceId, kind: 'event', eventName: extra };
  }
  return null;
}
