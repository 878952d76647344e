/**
 * The registry and claim codes on both database drivers. The broker side is a recorder of the
 * BrokerAccess calls; the real brokers are exercised in broker-access-*.test.ts.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import type { BrokerAccess, DeviceGrant } from '../src/broker/access/broker-access';
import { ClaimRefusedError, mintClaimCodes, redeemClaimCode } from '../src/devices/claim-codes';
import { createDeviceRegistry, type DeviceRegistry } from '../src/devices/registry';
import type { Database } from '../src/telemetry/database';
import { drivers } from './support/drivers';

// argon2id hashing and real brokers take seconds, not milliseconds, on a loaded 2-core machine.
setDefaultTimeout(30_000);

/** Records what the registry told the broker; `failNext` makes the next grant fail. */
function recordingBroker() {
  const calls: string[] = [];
  const grants = new Map<string, DeviceGrant>();
  const state = { failNext: false };
  const access: BrokerAccess = {
    kind: 'none',
    async grantDevice(grant) {
      if (state.failNext) {
        state.failNext = false;
        throw new Error('broker unreachable');
      }
      calls.push(`grant ${grant.username}`);
      grants.set(grant.username, grant);
    },
    async revokeDevice(username) {
      calls.push(`revoke ${username}`);
    },
    async removeDevice(username) {
      calls.push(`remove ${username}`);
    },
  };
  return { access, calls, grants, state };
}

for (const driver of drivers) {
  describe(`device registry on ${driver.name}`, () => {
    let database: Database;
    let registry: DeviceRegistry;
    let broker: ReturnType<typeof recordingBroker>;
    beforeAll(async () => {
      database = await driver.open();
      broker = recordingBroker();
      registry = createDeviceRegistry({ database, broker: broker.access });
      // Starting the shared PostgreSQL cluster can take a while on a loaded machine.
    }, 60_000);
    afterAll(() => database.close());

    test('create returns a >=128-bit secret once, stores only its argon2id hash, tells the broker', async () => {
      const created = await registry.create({
        id: 'dev-a',
        name: 'Boiler',
        model: 'esp32-env',
        metadata: { room: 1 },
      });
      expect(created).toMatchObject({
        id: 'dev-a',
        username: 'dev-a',
        name: 'Boiler',
        model: 'esp32-env',
        source: 'admin',
      });
      expect(Buffer.from(created.secret, 'base64url').length).toBeGreaterThanOrEqual(16);
      const rows = await database.execute<{ secret_hash: string }>(
        sql`select secret_hash from device_credentials where device_id = 'dev-a'`,
      );
      expect(rows[0]?.secret_hash.startsWith('$argon2id$')).toBe(true);
      expect(rows[0]?.secret_hash).not.toContain(created.secret);
      expect(broker.grants.get('dev-a')?.secret).toBe(created.secret);
      expect(await registry.verifyCredentials('dev-a', created.secret)).toBe('dev-a');
      expect(await registry.verifyCredentials('dev-a', `${created.secret}x`)).toBeNull();
      await expect(registry.create({ id: 'dev-a' })).rejects.toThrow(
        "device 'dev-a' already exists",
      );
    });

    test('a broker failure rolls the creation back', async () => {
      broker.state.failNext = true;
      await expect(registry.create({ id: 'dev-lost' })).rejects.toThrow('broker unreachable');
      const rows = await database.execute(sql`select id from devices where id = 'dev-lost'`);
      expect(rows).toHaveLength(0);
    });

    test('update, rotate, revoke and delete', async () => {
      const first = await registry.create({ id: 'dev-b' });
      expect(await registry.update({ id: 'dev-b', name: 'Pump' })).toMatchObject({
        name: 'Pump',
        model: 'generic',
      });
      await expect(registry.update({ id: 'nope', name: 'x' })).rejects.toThrow('not registered');

      const rotated = await registry.rotateSecret('dev-b');
      expect(rotated.secret).not.toBe(first.secret);
      expect(await registry.verifyCredentials('dev-b', first.secret)).toBeNull();
      expect(await registry.verifyCredentials('dev-b', rotated.secret)).toBe('dev-b');

      await registry.revoke('dev-b');
      expect(await registry.verifyCredentials('dev-b', rotated.secret)).toBeNull();
      expect(broker.calls).toContain('revoke dev-b');

      await registry.remove('dev-b');
      expect(broker.calls.at(-1)).toBe('remove dev-b');
      expect(
        await database.execute(sql`select 1 from device_credentials where device_id = 'dev-b'`),
      ).toHaveLength(0);
      await expect(registry.remove('dev-b')).rejects.toThrow('not registered');
      await expect(registry.rotateSecret('dev-b')).rejects.toThrow('not registered');
    });

    test('claim codes: one device per code, refused when used, expired or unknown', async () => {
      const now = new Date();
      const minted = await mintClaimCodes(
        database,
        { model: 'esp32-env', count: 3, ttlS: 3600 },
        now,
      );
      expect(minted.codes).toHaveLength(3);
      const [code, second, third] = minted.codes as [string, string, string];

      const issued = await redeemClaimCode(
        database,
        registry,
        { code, hardwareId: 'aa-bb-cc' },
        now,
      );
      expect(issued).toMatchObject({ id: 'aa-bb-cc', username: 'aa-bb-cc', model: 'esp32-env' });
      expect(await registry.verifyCredentials('aa-bb-cc', issued.secret)).toBe('aa-bb-cc');

      await expect(
        redeemClaimCode(database, registry, { code, hardwareId: 'other' }, now),
      ).rejects.toThrow('already been used');
      await expect(
        redeemClaimCode(database, registry, { code: 'x'.repeat(32), hardwareId: 'other' }, now),
      ).rejects.toThrow(ClaimRefusedError);
      const later = new Date(now.getTime() + 3601_000);
      await expect(
        redeemClaimCode(database, registry, { code: second, hardwareId: 'other' }, later),
      ).rejects.toThrow('expired');

      // A taken hardware id leaves the code unused for the next device.
      await expect(
        redeemClaimCode(database, registry, { code: third, hardwareId: 'aa-bb-cc' }, now),
      ).rejects.toThrow('already registered');
      expect(
        (await redeemClaimCode(database, registry, { code: third, hardwareId: 'dd-ee' }, now)).id,
      ).toBe('dd-ee');
    });

    test('two devices racing for one code: exactly one wins', async () => {
      const { codes } = await mintClaimCodes(database, { model: 'm' });
      const code = codes[0] as string;
      const results = await Promise.allSettled(
        ['race-1', 'race-2', 'race-3'].map((hardwareId) =>
          redeemClaimCode(database, registry, { code, hardwareId }),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    });
  });
}
