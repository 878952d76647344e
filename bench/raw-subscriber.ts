/**
 * The ceiling: a QoS 1 subscriber that does nothing with what it receives, so the benchmark can
 * show what the broker alone delivers on this machine. Once messages stop for 2 s (or on SIGTERM)
 * it writes how many it received and when the first and last arrived (epoch ms) to --out, and
 * exits.
 *
 * Usage: bun bench/raw-subscriber.ts --mqtt mqtt://... --out file.json
 */
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';

const { values } = parseArgs({
  options: {
    mqtt: { type: 'string' },
    out: { type: 'string' },
    root: { type: 'string', default: 'devices' },
  },
});
if (values.mqtt === undefined || values.out === undefined) {
  throw new Error('--mqtt and --out are required');
}
const out = values.out;
let received = 0;
let first = 0;
let last = 0;
const client = await mqtt.connectAsync(values.mqtt, { clientId: 'raw-subscriber', clean: false });
client.on('message', () => {
  const now = Date.now();
  if (received === 0) first = now;
  last = now;
  received += 1;
});
await client.subscribeAsync(`${values.root}/+/telemetry`, { qos: 1 });
console.log('READY');

async function finish(): Promise<never> {
  await Bun.write(out, JSON.stringify({ received, first, last }));
  process.exit(0);
}
process.on('SIGTERM', () => void finish());
setInterval(() => {
  if (received > 0 && Date.now() - last > 2_000) void finish();
}, 200);
