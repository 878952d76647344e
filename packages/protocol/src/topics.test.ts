import { expect, test } from 'bun:test';
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
  expect(topics.telemetry('x', 'site')).toBe('site/x/telemetry');
});

test.each([
  'devices/+/telemetry',
  'devices/#',
  'devices/$SYS/telemetry',
  'devices//telemetry',
  'devices/a/telemetry/extra',
  'devices/a/event',
  'devices/a/event/Bad-Name',
  'devices/a/cmd/nack',
  'site/a/telemetry',
  `devices/${'x'.repeat(65)}/telemetry`,
])('refuses %s', (topic) => {
  expect(parseTopic(topic)).toBeNull();
});
