/**
 * The command link over mqtts:// to the real Mosquitto, verifying the broker against the CA given
 * as a file path (MQTT_CA), as main.ts passes it: a command goes out, its acknowledgement comes in.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type RunningMosquitto, startMosquitto } from '@vigil/testkit';
import mqtt from 'mqtt';
import { type CommandLink, connectCommandLink } from '../src/commands/mqtt-link';
import { createLogger } from '../src/log';
import { runCli } from './broker-access-support';

const certs = mkdtempSync(join(tmpdir(), 'vigil-cmd-certs-'));
let broker: RunningMosquitto;
let link: CommandLink;
const acks: string[] = [];

beforeAll(async () => {
  const made = await runCli(
    ['bun', resolve(import.meta.dir, '../../../scripts/certs.ts'), '--out', certs],
    30_000,
  );
  if (made.exitCode !== 0) throw new Error(made.stderr);
  broker = await startMosquitto({
    tls: { certfile: join(certs, 'server.crt'), keyfile: join(certs, 'server.key') },
  });
  link = await connectCommandLink({
    url: broker.tlsUrl ?? '',
    clientId: `cmd-tls-${crypto.randomUUID().slice(0, 8)}`,
    tls: { ca: join(certs, 'ca.crt') },
    topicRoot: 'devices',
    onAck: async (deviceId, payload) => {
      acks.push(`${deviceId} ${Buffer.from(payload).toString()}`);
    },
    onState: async () => {},
    log: createLogger('error'),
  });
}, 60_000);

afterAll(async () => {
  await link?.close();
  await broker?.stop();
  rmSync(certs, { recursive: true, force: true });
});

test('commands out and acknowledgements in over TLS', async () => {
  expect(link.connected()).toBe(true);
  const device = await mqtt.connectAsync(broker.url, { clientId: 'tls-dev-1' });
  await device.subscribeAsync('devices/tls-dev-1/cmd', { qos: 1 });
  const received = new Promise<string>((done) =>
    device.once('message', (_topic, payload) => done(payload.toString())),
  );
  await link.publish('devices/tls-dev-1/cmd', '{"id":"c1"}');
  expect(await received).toBe('{"id":"c1"}');
  await device.publishAsync('devices/tls-dev-1/cmd/ack', '{"id":"c1","status":"done"}', { qos: 1 });
  const deadline = Date.now() + 3_000;
  while (acks.length === 0 && Date.now() < deadline) await Bun.sleep(20);
  expect(acks).toEqual(['tls-dev-1 {"id":"c1","status":"done"}']);
  await device.endAsync();
});
