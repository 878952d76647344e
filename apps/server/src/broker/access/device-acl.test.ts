import { describe, expect, test } from 'bun:test';
import { deviceTopics, mayDevicePublish, mayDeviceSubscribe } from './device-acl';

describe('device ACL', () => {
  test('a device publishes its own up topics and nothing else', () => {
    expect(mayDevicePublish('a', 'devices/a/telemetry', false)).toBe(true);
    expect(mayDevicePublish('a', 'devices/a/state', true)).toBe(true);
    expect(mayDevicePublish('a', 'devices/a/event/button', false)).toBe(true);
    expect(mayDevicePublish('a', 'devices/a/cmd/ack', false)).toBe(true);
    expect(mayDevicePublish('a', 'devices/b/telemetry', false)).toBe(false);
    expect(mayDevicePublish('a', 'devices/a/cmd', false)).toBe(false);
    expect(mayDevicePublish('a', 'devices/b/cmd', true)).toBe(false);
    expect(mayDevicePublish('a', 'devices/a/cmd/ack', true)).toBe(false);
    expect(mayDevicePublish('a', 'devices/a/telemetry', true)).toBe(false);
    expect(mayDevicePublish('a', 'devices/a/event/x/y', false)).toBe(false);
    expect(mayDevicePublish('a', 'devices/ab/telemetry', false)).toBe(false);
    expect(mayDevicePublish('a', '$SYS/broker', false)).toBe(false);
  });

  test('a device subscribes to exactly its own cmd topic', () => {
    expect(mayDeviceSubscribe('a', 'devices/a/cmd')).toBe(true);
    for (const filter of [
      '#',
      '$SYS/#',
      'devices/b/cmd',
      'devices/+/cmd',
      'devices/a/#',
      '$share/g/devices/b/cmd',
      '$share/g/devices/a/cmd',
      '$CONTROL/#',
    ]) {
      expect(mayDeviceSubscribe('a', filter)).toBe(false);
    }
  });

  test('topic lists name only the device itself', () => {
    const topics = deviceTopics('d-1', 'root');
    expect(topics.subscribe).toEqual(['root/d-1/cmd']);
    for (const topic of topics.publish) expect(topic.startsWith('root/d-1/')).toBe(true);
  });
});
