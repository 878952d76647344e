/**
 * The device registry's writes: create (with broker credentials), update, delete, rotate the
 * secret, revoke. Each change commits to the database and to the broker together: the broker is
 * told inside the transaction, so a broker failure rolls the change back.
 */
import { eq } from 'drizzle-orm';
import { ConflictError } from '../auth/errors';
import { hashPassword, randomSecret, verifyPassword } from '../auth/secrets';
import type { BrokerAccess } from '../broker/access/broker-access';
import { NotFoundError } from '../errors';
import type { Database, Transaction } from '../telemetry/database';
import { DeviceCredentials } from './credentials-schema';
import { type DeviceView, getDevice } from './queries';
import type { CreateDeviceInput, UpdateDeviceInput } from './registry-inputs';
import { Devices } from './schema';

/** Bytes of randomness in a device secret: 256 bits (the contract asks for at least 128). */
const SECRET_BYTES = 32;

/** What a device needs to connect; `secret` is never shown again. */
export type IssuedCredentials = { id: string; username: string; secret: string };

export type DeviceRegistry = {
  create(input: CreateDeviceInput): Promise<DeviceView & IssuedCredentials>;
  update(input: UpdateDeviceInput): Promise<DeviceView>;
  /** Deletes the device, its credentials and (by cascade) its state. */
  remove(id: string): Promise<void>;
  /** Issues a new secret; the old one stops working and a connected device is disconnected. */
  rotateSecret(id: string): Promise<IssuedCredentials>;
  /** Refuses the device's next connect and disconnects it at once. */
  revoke(id: string): Promise<void>;
  /** The device id behind valid, unrevoked broker credentials, or null. */
  verifyCredentials(username: string, secret: string): Promise<string | null>;
  /** Inserts a device with fresh credentials inside a caller's transaction (used by claiming). */
  createIn(tx: Transaction, input: CreateDeviceInput): Promise<IssuedCredentials>;
};

/** The server's own MQTT identities, which no device may take (its id is its username and client id). */
export type ReservedIdentities = {
  /** The server's MQTT username. */
  username?: string;
  /** The server's client id; its connections use it and `<clientId>-<suffix>`. */
  clientId: string;
};

/** Why `id` may not be a device id, or null when it may. */
export function reservedReason(
  id: string,
  reserved: ReservedIdentities | undefined,
): string | null {
  if (reserved === undefined) return null;
  if (reserved.username !== undefined && id === reserved.username) {
    return `'${id}' is the server's own MQTT username`;
  }
  if (id === reserved.clientId || id.startsWith(`${reserved.clientId}-`)) {
    return `'${id}' would take over a client id of the server's own MQTT connections (${reserved.clientId}, ${reserved.clientId}-*)`;
  }
  return null;
}

/** Builds the registry over the database and the broker's access control. */
export function createDeviceRegistry(deps: {
  database: Database;
  broker: BrokerAccess;
  /** Identities of the server's own MQTT connections, refused as device ids. */
  reserved?: ReservedIdentities;
}): DeviceRegistry {
  const { database, broker } = deps;

  const createIn = async (tx: Transaction, input: CreateDeviceInput) => {
    const reason = reservedReason(input.id, deps.reserved);
    if (reason !== null) throw new ConflictError(`device id ${reason}`);
    const inserted = await tx
      .insert(Devices)
      .values({
        id: input.id,
        name: input.name ?? '',
        model: input.model ?? 'generic',
        metadata: input.metadata ?? {},
        source: 'admin',
      })
      .onConflictDoNothing({ target: Devices.id })
      .returning({ id: Devices.id });
    if (inserted.length === 0) throw new ConflictError(`device '${input.id}' already exists`);
    const secret = randomSecret(SECRET_BYTES);
    await tx.insert(DeviceCredentials).values({
      deviceId: input.id,
      username: input.id,
      secretHash: await hashPassword(secret),
    });
    await broker.grantDevice({ deviceId: input.id, username: input.id, secret });
    return { id: input.id, username: input.id, secret };
  };

  const credentialsOf = async (tx: Transaction, id: string) => {
    const [row] = await tx
      .select()
      .from(DeviceCredentials)
      .where(eq(DeviceCredentials.deviceId, id));
    if (row !== undefined) return row;
    // A device registered by ingest (UNKNOWN_DEVICES=register) has no credentials yet.
    const [device] = await tx.select({ id: Devices.id }).from(Devices).where(eq(Devices.id, id));
    if (device === undefined) throw new NotFoundError(`device '${id}' is not registered`);
    return null;
  };

  return {
    createIn,
    async create(input) {
      const issued = await database.transaction((tx) => createIn(tx, input));
      return { ...(await getDevice(database, input.id)), ...issued };
    },
    async update(input) {
      const changes = {
        ...(input.name === undefined ? {} : { name: input.name }),
        ...(input.model === undefined ? {} : { model: input.model }),
        ...(input.metadata === undefined ? {} : { metadata: input.metadata }),
      };
      if (Object.keys(changes).length > 0) {
        const rows = await database.db
          .update(Devices)
          .set(changes)
          .where(eq(Devices.id, input.id))
          .returning({ id: Devices.id });
        if (rows.length === 0) throw new NotFoundError(`device '${input.id}' is not registered`);
      }
      return getDevice(database, input.id);
    },
    async remove(id) {
      await database.transaction(async (tx) => {
        const credentials = await credentialsOf(tx, id);
        await tx.delete(Devices).where(eq(Devices.id, id));
        if (credentials !== null) await broker.removeDevice(credentials.username);
      });
    },
    async rotateSecret(id) {
      return database.transaction(async (tx) => {
        const secret = randomSecret(SECRET_BYTES);
        const secretHash = await hashPassword(secret);
        const existing = await credentialsOf(tx, id);
        if (existing === null) {
          await tx.insert(DeviceCredentials).values({ deviceId: id, username: id, secretHash });
        } else {
          await tx
            .update(DeviceCredentials)
            .set({ secretHash, rotatedAt: new Date(), revokedAt: null })
            .where(eq(DeviceCredentials.deviceId, id));
        }
        const username = existing?.username ?? id;
        await broker.grantDevice({ deviceId: id, username, secret });
        return { id, username, secret };
      });
    },
    async revoke(id) {
      await database.transaction(async (tx) => {
        const credentials = await credentialsOf(tx, id);
        if (credentials === null) return;
        await tx
          .update(DeviceCredentials)
          .set({ revokedAt: new Date() })
          .where(eq(DeviceCredentials.deviceId, id));
        await broker.revokeDevice(credentials.username);
      });
    },
    async verifyCredentials(username, secret) {
      const [row] = await database.db
        .select()
        .from(DeviceCredentials)
        .where(eq(DeviceCredentials.username, username));
      if (row === undefined || row.revokedAt !== null) return null;
      return (await verifyPassword(secret, row.secretHash)) ? row.deviceId : null;
    },
  };
}
