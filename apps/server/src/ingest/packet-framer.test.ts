import { describe, expect, test } from 'bun:test';
import mqttPacket from 'mqtt-packet';
import { PacketFramer, type PublishFrame } from './packet-framer';

function collect(version: 4 | 5) {
  const publishes: PublishFrame[] = [];
  const others: string[] = [];
  const errors: string[] = [];
  const framer = new PacketFramer(version, {
    publish: (frame) => publishes.push({ ...frame, payload: Buffer.from(frame.payload) }),
    other: (frame) => {
      const parser = mqttPacket.parser({ protocolVersion: version });
      parser.on('packet', (packet) => others.push(packet.cmd));
      parser.parse(frame);
    },
    malformed: (reason) => errors.push(reason),
  });
  return { framer, publishes, others, errors };
}

const publish = (version: 4 | 5, messageId: number, payload: string, properties?: object) =>
  mqttPacket.generate(
    {
      cmd: 'publish',
      topic: 'devices/dév-1/telemetry',
      payload: Buffer.from(payload),
      qos: 1,
      messageId,
      dup: false,
      retain: false,
      ...(properties ? { properties } : {}),
    },
    { protocolVersion: version },
  );

describe('PacketFramer', () => {
  test('decodes PUBLISH and passes control packets on, across arbitrary chunk splits', () => {
    const stream = Buffer.concat([
      mqttPacket.generate({ cmd: 'connack', sessionPresent: true, returnCode: 0 }),
      publish(4, 1, 'a'),
      publish(4, 65_535, 'x'.repeat(300)),
      mqttPacket.generate({ cmd: 'pingresp' }),
      publish(4, 7, ''),
    ]);
    for (const size of [1, 2, 3, 7, 64, stream.length]) {
      const { framer, publishes, others, errors } = collect(4);
      for (let at = 0; at < stream.length; at += size) framer.push(stream.subarray(at, at + size));
      expect(errors).toEqual([]);
      expect(others).toEqual(['connack', 'pingresp']);
      expect(publishes.map((p) => [p.topic, p.packetId, p.payload.toString()])).toEqual([
        ['devices/dév-1/telemetry', 1, 'a'],
        ['devices/dév-1/telemetry', 65_535, 'x'.repeat(300)],
        ['devices/dév-1/telemetry', 7, ''],
      ]);
    }
  });

  test('skips MQTT 5 publish properties', () => {
    const { framer, publishes } = collect(5);
    framer.push(
      publish(5, 3, '{"ts":1}', {
        userProperties: { origin: 'edge' },
        contentType: 'application/json',
      }),
    );
    expect(publishes).toHaveLength(1);
    expect(publishes[0]?.payload.toString()).toBe('{"ts":1}');
    expect(publishes[0]?.packetId).toBe(3);
  });

  test('reports a stream that is not MQTT', () => {
    const { framer, errors } = collect(4);
    framer.push(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]));
    expect(errors).toEqual(['remaining length longer than 4 bytes']);
    const short = collect(4);
    short.framer.push(Buffer.from([0x32, 0x03, 0x00, 0x09, 0x61]));
    expect(short.errors).toEqual(['PUBLISH topic runs past the packet']);
  });
});
