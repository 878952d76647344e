/** Device state from state messages, the Last Will and silence, on both database drivers. */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import {
  getDeviceState,
  listDeviceStates,
  markSilentDevicesOffline,
  recordStateMessage,
} from '../src/devices/device-state';
import type { Database } from '../src/telemetry/database';
import { drivers } from './support/drivers';

// argon2id hashing and real brokers take seconds, not milliseconds, on a loaded 2-core machine.
setDefaultTimeout(30_000);

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const T0 = new Date('2026-11-23T12:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);

for (const driver of drivers) {
  describe(`device state on ${driver.name}`, () => {
    let database: Database;
    beforeAll(async () => {
      database = await driver.open();
      await database.execute(sql`insert into devices (id) values ('s-1'), ('s-2'), ('s-3')`);
      // Starting the shared PostgreSQL cluster can take a while on a loaded machine.
    }, 60_000);
    afterAll(() => database.close());

    test('a retained state message marks the device online with its firmware, RSSI and uptime', async () => {
      const outcome = await recordStateMessage(
        database,
        's-1',
        bytes({ online: true, fw: '1.4.2', model: 'esp32-env', rssi: -61, uptime: 3600 }),
        at(0),
      );
      expect(outcome).toEqual({ ok: true, online: true, changed: true });
      expect(await getDeviceState(database, 's-1')).toEqual({
        deviceId: 's-1',
        online: true,
        fw: '1.4.2',
        model: 'esp32-env',
        rssi: -61,
        uptimeS: 3600,
        changedAt: at(0).toISOString(),
        lastSeen: at(0).toISOString(),
      });
    });

    test('the Last Will marks it offline and keeps what it reported before', async () => {
      expect(await recordStateMessage(database, 's-1', bytes({ online: false }), at(10))).toEqual({
        ok: true,
        online: false,
        changed: true,
      });
      expect(await getDeviceState(database, 's-1')).toMatchObject({
        online: false,
        fw: '1.4.2',
        rssi: -61,
        changedAt: at(10).toISOString(),
      });
      // A repeated Will is not a change.
      expect(
        await recordStateMessage(database, 's-1', bytes({ online: false }), at(11)),
      ).toMatchObject({
        changed: false,
      });
    });

    test('bad payloads and unknown devices are refused with a reason, never thrown', async () => {
      expect(await recordStateMessage(database, 's-2', bytes({ fw: 'x' }), at(0))).toMatchObject({
        ok: false,
        reason: 'invalid',
      });
      expect(
        await recordStateMessage(database, 's-2', new TextEncoder().encode('{oops'), at(0)),
      ).toMatchObject({
        ok: false,
        reason: 'invalid',
      });
      expect(
        await recordStateMessage(database, 'ghost', bytes({ online: true }), at(0)),
      ).toMatchObject({
        ok: false,
        reason: 'unknown_device',
      });
      await expect(getDeviceState(database, 's-2')).rejects.toThrow('has not reported a state');
    });

    test('a device silent for longer than the limit is marked offline; telemetry counts as life', async () => {
      await recordStateMessage(database, 's-2', bytes({ online: true }), at(0));
      await recordStateMessage(database, 's-3', bytes({ online: true }), at(0));
      // s-3 keeps sending telemetry (ingest updates devices.last_seen per batch).
      await database.execute(
        sql`update devices set last_seen = ${at(100).toISOString()}::timestamptz where id = 's-3'`,
      );
      expect(await markSilentDevicesOffline(database, 120, at(110))).toEqual([]);
      expect(await markSilentDevicesOffline(database, 120, at(130))).toEqual(['s-2']);
      expect(await markSilentDevicesOffline(database, 120, at(300))).toEqual(['s-3']);
      expect(await markSilentDevicesOffline(database, 120, at(900))).toEqual([]);
      const states = await listDeviceStates(database);
      expect(states.map((s) => [s.deviceId, s.online])).toEqual([
        ['s-1', false],
        ['s-2', false],
        ['s-3', false],
      ]);
    });
  });
}
