/**
 * The zero-install broker: Aedes in-process, used when no MQTT_URL is configured. Aedes 1.2 speaks
 * MQTT 3.1.1 only and has no `$share` shared subscriptions; the ingest consumer detects the first
 * from the CONNACK and then subscribes without a share group. Sessions and queued messages live
 * in memory, so they do not survive the process, which is the embedded broker's trade-off.
 */
import { createServer, type Server } from 'node:net';
import { Aedes, type AedesOptions } from 'aedes';

export type EmbeddedBroker = {
  /** mqtt://host:port of the listening broker (the real port when 0 was asked for). */
  url: string;
  port: number;
  /** The running Aedes instance (access control attaches to it to disconnect revoked clients). */
  aedes: Aedes;
  close(): Promise<void>;
};

/**
 * Starts Aedes listening on host:port (host defaults to 127.0.0.1; port 0 picks a free one).
 * `aedes` passes broker options through, e.g. the authenticate/authorize hooks of access control.
 */
export async function startEmbeddedBroker(opts: {
  port: number;
  host?: string;
  aedes?: AedesOptions;
}): Promise<EmbeddedBroker> {
  const host = opts.host ?? '127.0.0.1';
  const broker = await Aedes.createBroker(opts.aedes);
  const server: Server = createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : opts.port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    url: `mqtt://${urlHost}:${port}`,
    port,
    aedes: broker,
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
