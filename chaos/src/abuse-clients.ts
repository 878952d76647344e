/**
 * Hostile clients on raw sockets: sockets that connect and never speak MQTT, CONNECT packets that
 * claim to be hundreds of MiB long, and login attempts with wrong passwords, each counting what
 * the broker answered.
 */
import type { Socket } from 'bun';

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

const field = (text: string) => {
  const bytes = Buffer.from(text);
  return Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]);
};

/** An MQTT 3.1.1 CONNECT (clean session, keepalive 30 s) with user name and password. */
export function connectPacket(clientId: string, username: string, password: string): Buffer {
  const body = Buffer.concat([
    Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0xc2, 0, 30]),
    field(clientId),
    field(username),
    field(password),
  ]);
  return Buffer.concat([Buffer.from([0x10, ...varint(body.length)]), body]);
}

type Target = { hostname: string; port: number };

/** Opens `count` TCP connections that never send a byte; returns them for closing later. */
export async function openIdleSockets(target: Target, count: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i += 100) {
    const batch = Array.from({ length: Math.min(100, count - i) }, () =>
      Bun.connect({ ...target, socket: { data() {}, error() {} } }).catch(() => undefined),
    );
    for (const socket of await Promise.all(batch)) if (socket !== undefined) sockets.push(socket);
  }
  return sockets;
}

/** How many of `sockets` the broker has not closed. */
export function stillOpen(sockets: readonly Socket[]): number {
  return sockets.filter((s) => s.readyState === 1).length;
}

/**
 * Sends one packet on a fresh connection and resolves with the CONNACK return code, or
 * 'closed' when the broker hung up without one, or 'timeout'.
 */
export function sendAndReadConnack(
  target: Target,
  packet: Buffer,
  timeoutMs = 5000,
): Promise<number | 'closed' | 'timeout'> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (value: number | 'closed' | 'timeout', socket?: Socket) => {
      if (done) return;
      done = true;
      socket?.end();
      resolve(value);
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    Bun.connect({
      ...target,
      socket: {
        open(socket) {
          socket.write(packet);
        },
        data(socket, data) {
          clearTimeout(timer);
          // CONNACK: 0x20 0x02 <session present> <return code>
          finish(data[0] === 0x20 && data.length >= 4 ? (data[3] as number) : 'closed', socket);
        },
        close() {
          clearTimeout(timer);
          finish('closed');
        },
        error() {
          clearTimeout(timer);
          finish('closed');
        },
      },
    }).catch(() => finish('closed'));
  });
}

/** A CONNECT whose remaining length claims `claimedBytes`, followed by a little junk. */
export function oversizeConnect(claimedBytes: number): Buffer {
  return Buffer.concat([Buffer.from([0x10, ...varint(claimedBytes)]), Buffer.alloc(1024, 0x41)]);
}

/** Runs `attempts` tasks with at most `concurrency` at once; returns their results. */
export async function pooled<T>(
  attempts: number,
  concurrency: number,
  task: (i: number) => Promise<T>,
) {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < attempts) {
        const i = next;
        next += 1;
        results.push(await task(i));
      }
    }),
  );
  return results;
}
