/**
 * BrokerAccess over Mosquitto's dynamic-security plugin: one client and one role per device, the
 * role's ACLs literal topics of that device, the client id bound to the device id (so a valid
 * login cannot take over another device's session). Disabling a client disconnects it at once.
 */
import type { BrokerAccess } from './broker-access';
import { deviceTopics } from './device-acl';
import {
  type DynsecClient,
  type DynsecCommand,
  type DynsecReply,
  sendChecked,
} from './dynsec-client';

/** The role holding the server's own rights; its name is fixed so every replica shares it. */
export const SERVER_ROLE = 'vigil-server';

const roleOf = (deviceId: string) => `device:${deviceId}`;
const alreadyExists = (reply: DynsecReply) => /already exists/i.test(reply.error ?? '');
const notFound = (reply: DynsecReply) => /not found/i.test(reply.error ?? '');

/** The ACLs of one device's role. */
export function deviceRoleAcls(deviceId: string, topicRoot: string) {
  const topics = deviceTopics(deviceId, topicRoot);
  return [
    ...topics.publish.map((topic) => ({ acltype: 'publishClientSend', topic, allow: true })),
    ...topics.subscribe.map((topic) => ({ acltype: 'subscribeLiteral', topic, allow: true })),
    ...topics.subscribe.map((topic) => ({ acltype: 'publishClientReceive', topic, allow: true })),
  ];
}

/**
 * Gives the server's own account (the plugin admin it logs in as) the rights the server needs
 * on device topics: read every device's up topics (directly or through a shared subscription)
 * and publish commands. Idempotent and quiet: an existing role is left alone, because changing a
 * role's ACLs makes the plugin disconnect every client holding it (the server's own consumers).
 */
export async function ensureServerRole(
  client: DynsecClient,
  serverUsername: string,
  topicRoot: string,
): Promise<void> {
  await sendChecked(
    client,
    [
      {
        command: 'createRole',
        rolename: SERVER_ROLE,
        textname: 'Vigil server',
        acls: [
          { acltype: 'subscribePattern', topic: `${topicRoot}/#`, allow: true },
          { acltype: 'subscribePattern', topic: `$share/+/${topicRoot}/#`, allow: true },
          { acltype: 'publishClientReceive', topic: `${topicRoot}/#`, allow: true },
          { acltype: 'publishClientSend', topic: `${topicRoot}/+/cmd`, allow: true },
        ],
      },
    ],
    alreadyExists,
  );
  if (await hasRole(client, serverUsername)) return;
  // Adding a role to a client disconnects it, the sender included, so the reply to this command
  // is usually lost; the client reconnects and the result is read back instead.
  await client
    .send([{ command: 'addClientRole', username: serverUsername, rolename: SERVER_ROLE }], 1000)
    .catch(() => undefined);
  const deadline = Date.now() + 10_000;
  while (!(await hasRole(client, serverUsername, 1000).catch(() => false))) {
    if (Date.now() > deadline)
      throw new Error(`could not give '${serverUsername}' the ${SERVER_ROLE} role`);
    await Bun.sleep(200);
  }
}

async function hasRole(
  client: DynsecClient,
  username: string,
  timeoutMs?: number,
): Promise<boolean> {
  const [reply] = await sendChecked(
    client,
    [{ command: 'getClient', username }],
    () => false,
    timeoutMs,
  );
  const roles = (reply?.data as { client?: { roles?: Array<{ rolename: string }> } } | undefined)
    ?.client?.roles;
  return roles?.some((role) => role.rolename === SERVER_ROLE) ?? false;
}

/** Builds the dynsec BrokerAccess on a connected plugin client. */
export function createDynsecAccess(client: DynsecClient, topicRoot: string): BrokerAccess {
  return {
    kind: 'dynsec',
    async grantDevice({ deviceId, username, secret }) {
      const created = await sendChecked(
        client,
        [
          {
            command: 'createRole',
            rolename: roleOf(deviceId),
            acls: deviceRoleAcls(deviceId, topicRoot),
          },
          {
            command: 'createClient',
            username,
            password: secret,
            clientid: deviceId,
            roles: [{ rolename: roleOf(deviceId) }],
          },
        ],
        alreadyExists,
      );
      if (created[1]?.error === undefined) return;
      // The client exists (rotation, or re-grant after revocation): new password, enabled again.
      // Setting the password disconnects a session that logged in with the old one.
      const update: DynsecCommand[] = [
        { command: 'setClientPassword', username, password: secret },
        { command: 'enableClient', username },
      ];
      await sendChecked(client, update);
    },
    async revokeDevice(username) {
      await sendChecked(client, [{ command: 'disableClient', username }], notFound);
    },
    async removeDevice(username) {
      await sendChecked(
        client,
        [
          { command: 'deleteClient', username },
          { command: 'deleteRole', rolename: roleOf(username) },
        ],
        notFound,
      );
    },
  };
}
