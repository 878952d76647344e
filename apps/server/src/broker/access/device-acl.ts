/**
 * The topics one device may use, the single source both broker implementations enforce. Topics
 * are literal (Mosquitto 2.0.11's dynamic-security ACLs do not expand %u or %c), except the
 * `event/+` level, which is the device's own subtree.
 */

export type DeviceTopics = {
  /** Topics the device may publish to (no wildcards except the trailing `event/+`). */
  publish: string[];
  /** Subscription filters the device may use, compared literally. */
  subscribe: string[];
};

/** The topics of device `deviceId` under `root` (default 'devices'). */
export function deviceTopics(deviceId: string, root = 'devices'): DeviceTopics {
  const base = `${root}/${deviceId}`;
  return {
    publish: [`${base}/telemetry`, `${base}/state`, `${base}/event/+`, `${base}/cmd/ack`],
    subscribe: [`${base}/cmd`],
  };
}

/** True when a device may publish `topic` (with `retain`): its own up topics only, never retained cmd. */
export function mayDevicePublish(
  deviceId: string,
  topic: string,
  retain: boolean,
  root = 'devices',
): boolean {
  const base = `${root}/${deviceId}/`;
  if (!topic.startsWith(base)) return false;
  const rest = topic.slice(base.length);
  if (rest === 'cmd/ack') return !retain;
  // State is the one retained topic: it survives the device going away, which is its purpose.
  if (rest === 'state') return true;
  if (rest === 'telemetry') return !retain;
  const event = /^event\/([^/+#]+)$/.exec(rest);
  return event !== null && !retain;
}

/** True when a device may subscribe with `filter`: exactly its own cmd topic. */
export function mayDeviceSubscribe(deviceId: string, filter: string, root = 'devices'): boolean {
  return filter === `${root}/${deviceId}/cmd`;
}
