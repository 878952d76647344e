/**
 * Starts the dynsec BrokerAccess for an external Mosquitto: connects the server's management
 * client (its own client id, the server's account), makes sure that account holds the server
 * role, and returns the access with a close function.
 */
import { readFileSync } from 'node:fs';
import type { BrokerAccess } from './broker-access';
import { createDynsecAccess, ensureServerRole } from './dynsec-access';
import { connectDynsec } from './dynsec-client';

export type DynsecAccessOptions = {
  url: string;
  username?: string;
  password?: string;
  /** The server's MQTT client id; the management client uses `<clientId>-dynsec`. */
  clientId: string;
  topicRoot: string;
  /** PEM paths for mqtts:// (MQTT_CA / MQTT_CERT / MQTT_KEY). */
  tls?: { ca?: string; cert?: string; key?: string };
};

/** Connects to the plugin; throws with a clear message when the account cannot manage it. */
export async function connectDynsecAccess(
  options: DynsecAccessOptions,
): Promise<{ access: BrokerAccess; close(): Promise<void> }> {
  if (options.username === undefined || options.password === undefined) {
    throw new Error('BROKER_ACCESS=dynsec needs MQTT_USERNAME and MQTT_PASSWORD of a dynsec admin');
  }
  const read = (path: string | undefined) => (path === undefined ? undefined : readFileSync(path));
  const client = await connectDynsec({
    url: options.url,
    username: options.username,
    password: options.password,
    clientId: `${options.clientId}-dynsec`,
    tls: { ca: read(options.tls?.ca), cert: read(options.tls?.cert), key: read(options.tls?.key) },
  });
  try {
    await ensureServerRole(client, options.username, options.topicRoot);
  } catch (error) {
    await client.close();
    throw error;
  }
  return { access: createDynsecAccess(client, options.topicRoot), close: () => client.close() };
}
