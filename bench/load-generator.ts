/**
 * Load generator for the ingest benchmark, run as its own process so it never shares an event
 * loop with what it measures. N simulated devices, one MQTT 3.1.1 connection each, publish v1
 * telemetry at QoS 1 at an aggregate rate, for a bounded time. Every PUBACK is recorded, so the
 * benchmark can compare what the broker acknowledged with what was stored.
 *
 * Usage: bun bench/load-generator.ts --url mqtt://127.0.0.1:1883 --devices 100 --rate 16700
 *          --duration 20 --prefix bench --root devices --out result.json
 * Publishing is hand-framed (a QoS 1 PUBLISH is a 2-5 byte header, topic, packet id, payload),
 * which keeps the generator's CPU per message far below the server's.
 */
import { parseArgs } from 'node:util';
import type { Socket } from 'bun';

export type LoadResult = {
  sent: number;
  acked: number;
  /** Epoch ms of the first and the last publish. */
  startedAt: number;
  endedAt: number;
  /** Per device: its boot id and the sequence numbers the broker acknowledged. */
  devices: Array<{ id: string; boot: number; acked: number[] }>;
};

type Device = {
  id: string;
  boot: number;
  seq: number;
  topic: Buffer;
  socket: Socket<undefined>;
  nextPacketId: number;
  /** packet id -> seq awaiting PUBACK */
  inflight: Map<number, number>;
  acked: number[];
  pending: Buffer[];
  rx: Buffer;
};

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    devices: { type: 'string', default: '100' },
    rate: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '10' },
    prefix: { type: 'string', default: 'bench' },
    root: { type: 'string', default: 'devices' },
    out: { type: 'string' },
  },
});
if (values.url === undefined || values.out === undefined) {
  throw new Error('--url and --out are required');
}
const url = new URL(values.url);
const deviceCount = Number(values.devices);
const rate = Number(values.rate);
const durationMs = Number(values.duration) * 1000;

function varint(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return out;
}

function connectPacket(clientId: string): Buffer {
  const id = Buffer.from(clientId);
  const body = Buffer.concat([
    Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x02, 0, 60]),
    Buffer.from([id.length >> 8, id.length & 0xff]),
    id,
  ]);
  return Buffer.concat([Buffer.from([0x10, ...varint(body.length)]), body]);
}

function publishPacket(topic: Buffer, packetId: number, payload: Buffer): Buffer {
  const remaining = 2 + topic.length + 2 + payload.length;
  const header = varint(remaining);
  const out = Buffer.allocUnsafe(1 + header.length + remaining);
  let at = 0;
  out[at++] = 0x32;
  for (const b of header) out[at++] = b;
  out[at++] = topic.length >> 8;
  out[at++] = topic.length & 0xff;
  at += topic.copy(out, at);
  out[at++] = packetId >> 8;
  out[at++] = packetId & 0xff;
  payload.copy(out, at);
  return out;
}

function flushPending(device: Device): void {
  while (device.pending.length > 0) {
    const chunk = device.pending[0] as Buffer;
    const written = device.socket.write(chunk);
    if (written === chunk.length) device.pending.shift();
    else {
      device.pending[0] = chunk.subarray(Math.max(0, written));
      return;
    }
  }
}

/** Reads PUBACKs (0x40 0x02 id id) and the CONNACK out of the byte stream. */
function onData(device: Device, data: Buffer, connacked: () => void): void {
  let buf = device.rx.length > 0 ? Buffer.concat([device.rx, data]) : data;
  while (buf.length >= 2) {
    const type = (buf[0] as number) >> 4;
    const len = buf[1] as number;
    if (buf.length < 2 + len) break;
    if (type === 4) {
      const id = ((buf[2] as number) << 8) | (buf[3] as number);
      const seq = device.inflight.get(id);
      if (seq !== undefined) {
        device.inflight.delete(id);
        device.acked.push(seq);
      }
    } else if (type === 2) {
      if (buf[3] !== 0) throw new Error(`broker refused ${device.id}: CONNACK code ${buf[3]}`);
      connacked();
    }
    buf = buf.subarray(2 + len);
  }
  device.rx = buf.length > 0 ? Buffer.from(buf) : Buffer.alloc(0);
}

async function openDevice(index: number): Promise<Device> {
  const id = `${values.prefix}-${index}`;
  const device = {
    id,
    boot: (Math.random() * 0xffffffff) >>> 0,
    seq: 0,
    topic: Buffer.from(`${values.root}/${id}/telemetry`),
    nextPacketId: 1,
    inflight: new Map(),
    acked: [],
    pending: [],
    rx: Buffer.alloc(0),
  } as unknown as Device;
  await new Promise<void>((resolve, reject) => {
    Bun.connect({
      hostname: url.hostname,
      port: Number(url.port || 1883),
      socket: {
        open(socket) {
          device.socket = socket;
          socket.setNoDelay(true);
          socket.write(connectPacket(id));
        },
        data(_socket, data) {
          onData(device, data, resolve);
        },
        drain() {
          flushPending(device);
        },
        error(_socket, error) {
          reject(error);
        },
        connectError(_socket, error) {
          reject(error);
        },
      },
    }).catch(reject);
  });
  return device;
}

const devices: Device[] = [];
for (let i = 0; i < deviceCount; i += 50) {
  const batch = Array.from({ length: Math.min(50, deviceCount - i) }, (_, k) => openDevice(i + k));
  devices.push(...(await Promise.all(batch)));
}

let sent = 0;
let cursor = 0;
const started = performance.now();
const startedAt = Date.now();
let endedAt = startedAt;
await new Promise<void>((resolve) => {
  const timer = setInterval(() => {
    const elapsed = performance.now() - started;
    const due = Math.min(
      Math.floor((Math.min(elapsed, durationMs) * rate) / 1000),
      Math.round((durationMs * rate) / 1000),
    );
    const chunks = new Map<Device, Buffer[]>();
    for (; sent < due; sent += 1) {
      // The message's scheduled send time: each device reports at an even pace on its own clock,
      // as a real sensor does, and a generator stall counts against the latency instead of hiding.
      const ts = startedAt + Math.floor((sent * 1000) / rate);
      const device = devices[cursor] as Device;
      cursor = (cursor + 1) % devices.length;
      device.seq += 1;
      let packetId = device.nextPacketId;
      // Skip ids still awaiting their PUBACK (only possible when the broker lags by 65k messages).
      while (device.inflight.has(packetId)) packetId = (packetId % 65_535) + 1;
      device.nextPacketId = (packetId % 65_535) + 1;
      device.inflight.set(packetId, device.seq);
      const payload = Buffer.from(
        `{"ts":${ts},"boot":${device.boot},"seq":${device.seq},"metrics":{"temperature":${(20 + Math.random() * 5).toFixed(2)},"humidity":${(40 + Math.random() * 10).toFixed(1)},"motion":${Math.random() < 0.1}}}`,
      );
      const list = chunks.get(device);
      const packet = publishPacket(device.topic, packetId, payload);
      if (list === undefined) chunks.set(device, [packet]);
      else list.push(packet);
    }
    for (const [device, list] of chunks) {
      device.pending.push(list.length === 1 ? (list[0] as Buffer) : Buffer.concat(list));
      flushPending(device);
    }
    if (chunks.size > 0) endedAt = Date.now();
    if (elapsed >= durationMs) {
      clearInterval(timer);
      resolve();
    }
  }, 2);
});

// Wait (bounded) for the broker to acknowledge everything still in flight.
const ackDeadline = Date.now() + 15_000;
while (devices.some((d) => d.inflight.size > 0) && Date.now() < ackDeadline) await Bun.sleep(20);
for (const device of devices) device.socket.end();

const result: LoadResult = {
  sent,
  acked: devices.reduce((n, d) => n + d.acked.length, 0),
  startedAt,
  endedAt,
  devices: devices.map((d) => ({ id: d.id, boot: d.boot, acked: d.acked })),
};
await Bun.write(values.out, JSON.stringify(result));
process.exit(0);
