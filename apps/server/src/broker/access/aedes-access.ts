/**
 * BrokerAccess for the embedded Aedes broker: its authenticate / authorizePublish /
 * authorizeSubscribe hooks ask the registry, so the rules are those the dynamic-security roles
 * carry for Mosquitto (device-acl.ts is the one source of both). A device logs in with its id as
 * username and client id; the server's own account may read device topics and send commands.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Aedes, AedesOptions, AuthenticateError, Client } from 'aedes';
import { sha256Hex } from '../../auth/secrets';
import type { BrokerAccess } from './broker-access';
import { mayDevicePublish, mayDeviceSubscribe } from './device-acl';

type Identity = { kind: 'server' } | { kind: 'device'; deviceId: string };

export type AedesAccessOptions = {
  /** The device id behind valid, unrevoked credentials (DeviceRegistry.verifyCredentials). */
  verifyDevice(username: string, secret: string): Promise<string | null>;
  /** The server's own account (its ingest and command connections). */
  server: { username: string; password: string };
  topicRoot: string;
};

export type AedesAccess = {
  /** Pass to Aedes.createBroker. */
  hooks: Required<Pick<AedesOptions, 'authenticate' | 'authorizePublish' | 'authorizeSubscribe'>>;
  /** Gives the access control the running broker, so revocation can disconnect clients. */
  attach(broker: Aedes): void;
  access: BrokerAccess;
};

const refused = (returnCode: 4 | 5, message: string): AuthenticateError =>
  Object.assign(new Error(message), { returnCode });

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(sha256Hex(a));
  const y = Buffer.from(sha256Hex(b));
  return timingSafeEqual(x, y);
}

/** Builds the hooks and the BrokerAccess of the embedded broker. */
export function createAedesAccess(options: AedesAccessOptions): AedesAccess {
  const identities = new WeakMap<Client, Identity>();
  // Successful device logins, by username: SHA-256 of the secret, so a reconnect storm costs
  // one argon2id verification per device rather than one per connect. Cleared on every change.
  const verified = new Map<string, string>();
  // Revoked or removed here before the registry's transaction commits: refused at once, without
  // waiting for the database to show it.
  const refusedUsers = new Set<string>();
  let broker: Aedes | undefined;
  const root = options.topicRoot;

  const disconnect = (clientId: string) => {
    const clients = (broker as unknown as { clients?: Record<string, Client> } | undefined)
      ?.clients;
    clients?.[clientId]?.close();
  };

  const identify = async (client: Client, username: string, secret: string): Promise<Identity> => {
    if (username === options.server.username) {
      if (!sameSecret(secret, options.server.password))
        throw refused(4, 'bad username or password');
      return { kind: 'server' };
    }
    // The client id is bound to the device: a valid login cannot take over another session.
    if (client.id !== username) throw refused(5, 'client id must equal the device id');
    if (refusedUsers.has(username)) throw refused(5, 'device is revoked');
    const hash = sha256Hex(secret);
    if (verified.get(username) === hash) return { kind: 'device', deviceId: username };
    const deviceId = await options.verifyDevice(username, secret);
    if (deviceId === null) throw refused(4, 'bad username or password');
    verified.set(username, hash);
    return { kind: 'device', deviceId };
  };

  const forget = (username: string) => {
    verified.delete(username);
    disconnect(username);
  };

  return {
    hooks: {
      authenticate(client, username, password, done) {
        if (username === undefined || password === undefined) {
          done(refused(4, 'credentials required'), false);
          return;
        }
        identify(client, username, password.toString('utf8')).then(
          (identity) => {
            identities.set(client, identity);
            done(null, true);
          },
          (error: AuthenticateError) =>
            done(error.returnCode === undefined ? refused(4, error.message) : error, false),
        );
      },
      authorizePublish(client, packet, done) {
        // Messages the broker itself publishes ($SYS, wills of gone clients) have no client.
        if (client === null) return done(null);
        const identity = identities.get(client);
        if (identity?.kind === 'server') {
          const ok =
            /^[^/]+\/cmd$/.test(packet.topic.slice(root.length + 1)) &&
            packet.topic.startsWith(`${root}/`);
          return done(ok && !packet.retain ? null : new Error('not authorised'));
        }
        if (
          identity?.kind === 'device' &&
          mayDevicePublish(identity.deviceId, packet.topic, packet.retain, root)
        ) {
          return done(null);
        }
        done(new Error('not authorised'));
      },
      authorizeSubscribe(client, subscription, done) {
        const identity = identities.get(client);
        const topic = subscription.topic;
        const allowed =
          identity?.kind === 'server'
            ? topic === `${root}/#` || topic.startsWith(`${root}/`)
            : identity?.kind === 'device' && mayDeviceSubscribe(identity.deviceId, topic, root);
        // A null subscription is answered with SUBACK failure (0x80), the connection stays.
        done(null, allowed ? subscription : null);
      },
    },
    attach(running) {
      broker = running;
    },
    access: {
      kind: 'registry',
      // Credentials live in the registry, which the hooks read; a change only has to end the
      // session that used the old ones.
      async grantDevice({ username }) {
        refusedUsers.delete(username);
        forget(username);
      },
      async revokeDevice(username) {
        refusedUsers.add(username);
        forget(username);
      },
      async removeDevice(username) {
        refusedUsers.add(username);
        forget(username);
      },
    },
  };
}
