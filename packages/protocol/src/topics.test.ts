import { expect, test } from 'bun:test';
import { LIMITS } from './limits';
import { parseTopic, topics } from './topics';

test('builders and parser agree for every kind', () => {
  expect(parseTopic(topics.telemetry('a-1'))).toEqual({ deviceId: 'a-1', kind: 'telemetry' });
  expect(parseTopic(topics.state('a-1'))).toEqual({ deviceId: 'a-1', kind: 'state' });
  expect(parseTopic(topics.cmd('a-1'))).toEqual({ deviceId: 'a-1', kind: 'cmd' });
  expect(parseTopic(topics.cmdAck('a-1'))).toEqual({ deviceId: 'a-1', kind: 'cmd_ack' });
  expect(parseTopic(topics.event('a-1', 'tamper'))).toEqual({
    deviceId: 'a-1',
    kind: 'event',
    eventName: 'tamper',
  });
});

test('the documented layout, with the default and a custom root', () => {
  expect(topics.telemetry('d7')).toBe('devices/d7/telemetry');
  expect(topics.state('d7')).toBe('devices/d7/state');
  expect(topics.event('d7', 'button')).toBe('devices/d7/event/button');
  expect(topics.cmd('d7')).toBe('devices/d7/cmd');
  expect(topics.cmdAck('d7')).toBe('devices/d7/cmd/ack');
  expect(topics.telemetry('x', 'site')).toBe('site/x/telemetry');
  expect(parseTopic('site/x/telemetry', 'site')).toEqual({ deviceId: 'x', kind: 'telemetry' });
  expect(parseTopic('site/x/telemetry')).toBeNull();
});

test('device id length: 64 characters pass, 65 do not', () => {
  const id64 = `A${'b'.repeat(63)}`;
  expect(parseTopic(`devices/${id64}/telemetry`)?.deviceId).toBe(id64);
  expect(parseTopic(`devices/${id64}c/telemetry`)).toBeNull();
  expect(() => topics.telemetry(`${id64}c`)).toThrow(RangeError);
});

test('event name length: maxEventNameLength passes, one more does not', () => {
  const name = `e${'v'.repeat(LIMITS.maxEventNameLength - 1)}`;
  expect(parseTopic(`devices/a/event/${name}`)?.eventName).toBe(name);
  expect(parseTopic(`devices/a/event/${name}x`)).toBeNull();
  expect(() => topics.event('a', `${name}x`)).toThrow(RangeError);
});

test.each(['a/b', '+', '#', '$SYS', 'a+', 'a#', '', ' a', '-a', 'é'])(
  'builders refuse the device id %j',
  (id) => {
    expect(() => topics.telemetry(id)).toThrow(RangeError);
    expect(() => topics.cmd(id)).toThrow(/does not match/);
  },
);

test.each([
  'devices/+/telemetry',
  'devices/#',
  'devices/a/#',
  'devices/a/+',
  'devices/$SYS/telemetry',
  'devices/$a/telemetry',
  'devices/a$/telemetry',
  'devices//telemetry',
  'devices/a/telemetry/extra',
  'devices/a/telemetry/',
  'devices/a/state/x',
  'devices/a/cmd/ack/x',
  'devices/a/event',
  'devices/a/event/',
  'devices/a/event/Bad-Name',
  'devices/a/event/x/y',
  'devices/a/cmd/nack',
  'devices/a/Telemetry',
  'devices/a',
  'devices/',
  'devices',
  '/devices/a/telemetry',
  'Devices/a/telemetry',
  'devicesX/a/telemetry',
  'site/a/telemetry',
])('refuses %s', (topic) => {
  expect(parseTopic(topic)).toBeNull();
});
