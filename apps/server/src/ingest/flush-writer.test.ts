import { describe, expect, test } from 'bun:test';
import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { createDeviceCache } from './device-cache';
import { createFlushWriter, LAST_SEEN_STEP_MS, withoutRepeats } from './flush-writer';
import type { IngestItem, ReadingItem } from './intake';

function reading(deviceId: string, boot: number, seq: number, tsMs = 1_000 + seq): ReadingItem {
  return {
    kind: 'reading',
    deviceId,
    tsMs,
    boot,
    seq,
    metrics: {},
    telemetry: { v: 1, ts: tsMs, boot, seq, metrics: {} },
    sha256: '',
    payload: Buffer.alloc(0),
  } as ReadingItem;
}

const keys = (readings: ReadingItem[]) =>
  readings.map((r) => `${r.deviceId}/${r.boot}/${r.seq}/${r.tsMs}`);

describe('withoutRepeats', () => {
  test('a batch where every device counts up in one boot is returned as it is', () => {
    const batch = [
      reading('a', 1, 1),
      reading('b', 7, 40),
      reading('a', 1, 2),
      reading('b', 7, 41),
    ];
    expect(withoutRepeats(batch)).toBe(batch);
  });

  test('a redelivery in the same batch as its original is dropped, other devices untouched', () => {
    const batch = [
      reading('a', 1, 1),
      reading('b', 7, 40),
      reading('a', 1, 2),
      reading('a', 1, 1),
      reading('b', 7, 41),
      reading('a', 1, 3),
    ];
    expect(keys(withoutRepeats(batch))).toEqual([
      'a/1/1/1001',
      'b/7/40/1040',
      'a/1/2/1002',
      'b/7/41/1041',
      'a/1/3/1003',
    ]);
  });

  test('a repeat after a reboot in between is still found', () => {
    const batch = [reading('a', 1, 5), reading('a', 2, 1), reading('a', 1, 5)];
    expect(keys(withoutRepeats(batch))).toEqual(['a/1/5/1005', 'a/2/1/1001']);
  });

  test('the same boot and seq with another timestamp is a different reading and is kept', () => {
    const batch = [reading('a', 1, 5, 2_000), reading('a', 1, 5, 3_000)];
    expect(keys(withoutRepeats(batch))).toEqual(['a/1/5/2000', 'a/1/5/3000']);
  });
});

describe('flush writer: last_seen', () => {
  test("a device's last_seen is written with its first batch, then at most once a second", async () => {
    const written: Array<Array<{ d: string; r: number }>> = [];
    const dialect = new PgDialect();
    const database = {
      execute: async (query: SQL) => {
        const batch = JSON.parse(dialect.sqlToQuery(query).params[0] as string);
        written.push(batch.s);
        return [];
      },
    };
    const devices = createDeviceCache(database as never);
    devices.add('a');
    devices.add('b');
    const write = createFlushWriter(database as never, devices, 'reject');
    const at = (deviceId: string, seq: number, receivedAt: number) =>
      ({ ...reading(deviceId, 1, seq), receivedAt, topic: '', ack: null }) as IngestItem;

    const t = Date.UTC(2026, 11, 6, 12);
    await write([at('a', 1, t), at('b', 1, t + 10), at('a', 2, t + 20)]);
    await write([at('a', 3, t + 400), at('b', 2, t + 500)]);
    await write([at('a', 4, t + 1_020), at('b', 3, t + 1_009)]);
    await write([at('b', 4, t + 1_010 + LAST_SEEN_STEP_MS)]);
    // The server's clock set back by an hour: the device's last_seen is offered again.
    await write([at('a', 5, t - 3_600_000)]);
    expect(written).toEqual([
      [
        { d: 'a', r: t + 20 },
        { d: 'b', r: t + 10 },
      ],
      [],
      [{ d: 'a', r: t + 1_020 }],
      [{ d: 'b', r: t + 1_010 + LAST_SEEN_STEP_MS }],
      [{ d: 'a', r: t - 3_600_000 }],
    ]);
  });
});
