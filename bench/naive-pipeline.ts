/**
 * The baseline: an MQTT-to-PostgreSQL pipeline as tutorials write it. mqtt.js delivers each
 * message to a callback (and acknowledges it as soon as the callback returns), the callback parses
 * the JSON and runs one INSERT per message through a connection pool. No validation, no batching,
 * no deduplication. Run as its own process by bench/ingest.ts; on SIGTERM it writes the
 * publish-to-commit latency of every message it stored to --out.
 *
 * Usage: bun bench/naive-pipeline.ts --mqtt mqtt://... --database postgres://... --out file.json
 */
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import postgres from 'postgres';

const { values } = parseArgs({
  options: {
    mqtt: { type: 'string' },
    database: { type: 'string' },
    out: { type: 'string' },
    root: { type: 'string', default: 'devices' },
  },
});
if (values.mqtt === undefined || values.database === undefined || values.out === undefined) {
  throw new Error('--mqtt, --database and --out are required');
}
const out = values.out;

const sql = postgres(values.database, { onnotice: () => {} });
await sql`CREATE TABLE IF NOT EXISTS naive_readings (
  device_id text NOT NULL, ts timestamptz NOT NULL, boot bigint NOT NULL, seq bigint NOT NULL,
  metrics jsonb NOT NULL)`;

const latencies: number[] = [];
const client = await mqtt.connectAsync(values.mqtt, { clientId: 'naive-pipeline', clean: false });
client.on('message', async (topic, payload) => {
  try {
    const reading = JSON.parse(payload.toString());
    const deviceId = topic.split('/')[1] ?? '';
    await sql`INSERT INTO naive_readings (device_id, ts, boot, seq, metrics)
      VALUES (${deviceId}, ${new Date(reading.ts)}, ${reading.boot}, ${reading.seq}, ${sql.json(reading.metrics)})`;
    latencies.push(Date.now() - reading.ts);
  } catch (error) {
    console.error('naive pipeline: insert failed', error);
  }
});
await client.subscribeAsync(`${values.root}/+/telemetry`, { qos: 1 });
console.log('READY');

process.on('SIGTERM', async () => {
  await Bun.write(out, JSON.stringify({ latencies }));
  process.exit(0);
});
