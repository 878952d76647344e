/**
 * The broker side of the composition root. Without MQTT_URL it starts the embedded Aedes broker,
 * with the registry's hooks when BROKER_ACCESS=registry (the default) or open to any client when
 * BROKER_ACCESS=none; with BROKER_ACCESS=dynsec it connects the dynamic-security manager to the
 * external Mosquitto. It also says which account the server's own MQTT clients log in with.
 */
import type { Config } from '../config';
import { createAedesAccess } from './access/aedes-access';
import { type BrokerAccess, unmanagedBrokerAccess } from './access/broker-access';
import { connectDynsecAccess } from './access/connect-dynsec-access';
import { embeddedServerAccount } from './access/server-account';
import { startEmbeddedBroker } from './embedded';

export type MqttAccount = { username?: string; password?: string };

export type StartedBroker = {
  /** The broker the server's clients connect to. */
  url: string;
  access: BrokerAccess;
  /** The account of the server's ingest, command and state connections. */
  account: MqttAccount;
  /** What to close on shutdown, in start order. */
  parts: { name: string; close(): Promise<void> }[];
};

/**
 * Starts (or connects to) the broker with the access control `config.brokerAccess` names.
 * `verifyDevice` is the registry's credential check; it is only called once devices connect.
 */
export async function startBroker(
  config: Pick<Config, 'mqtt' | 'brokerAccess' | 'mqttTls'>,
  verifyDevice: (username: string, secret: string) => Promise<string | null>,
): Promise<StartedBroker> {
  const { mqtt } = config;
  const configured: MqttAccount = { username: mqtt.username, password: mqtt.password };
  if (mqtt.url === undefined) {
    if (config.brokerAccess !== 'registry') {
      const broker = await startEmbeddedBroker({ port: mqtt.port, host: mqtt.host });
      return {
        url: broker.url,
        access: unmanagedBrokerAccess,
        account: configured,
        parts: [{ name: 'embedded broker', close: () => broker.close() }],
      };
    }
    const account = embeddedServerAccount(configured);
    const registry = createAedesAccess({
      verifyDevice,
      server: account,
      topicRoot: mqtt.topicRoot,
    });
    const broker = await startEmbeddedBroker({
      port: mqtt.port,
      host: mqtt.host,
      aedes: registry.hooks,
    });
    registry.attach(broker.aedes);
    return {
      url: broker.url,
      access: registry.access,
      account,
      parts: [{ name: 'embedded broker', close: () => broker.close() }],
    };
  }
  if (config.brokerAccess !== 'dynsec') {
    return { url: mqtt.url, access: unmanagedBrokerAccess, account: configured, parts: [] };
  }
  const dynsec = await connectDynsecAccess({
    url: mqtt.url,
    username: mqtt.username,
    password: mqtt.password,
    clientId: mqtt.clientId,
    topicRoot: mqtt.topicRoot,
    tls: config.mqttTls,
  });
  return {
    url: mqtt.url,
    access: dynsec.access,
    account: configured,
    parts: [{ name: 'broker access', close: () => dynsec.close() }],
  };
}
