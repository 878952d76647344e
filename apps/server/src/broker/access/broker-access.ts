/**
 * One interface over the broker's view of device credentials, with one implementation per broker:
 * Mosquitto's dynamic-security plugin (the server pushes credentials and ACLs to the broker) and
 * the embedded Aedes broker (hooks ask the registry on every connect, publish and subscribe).
 * The registry calls it after each change it commits, so the broker never allows more than the
 * database does.
 */

/** The broker did not confirm a credential change in time (HTTP 503, tRPC SERVICE_UNAVAILABLE). */
export class BrokerUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BrokerUnavailableError';
  }
}

export type DeviceGrant = {
  deviceId: string;
  /** MQTT username (equal to the device id). */
  username: string;
  /** The plaintext secret, which only exists during creation and rotation. */
  secret: string;
};

export type BrokerAccess = {
  readonly kind: 'dynsec' | 'registry' | 'none';
  /** Lets the device connect with this secret and use its own topics (creates or rotates). */
  grantDevice(grant: DeviceGrant): Promise<void>;
  /** Refuses the device's next connect and disconnects it now. */
  revokeDevice(username: string): Promise<void>;
  /** Forgets the device entirely (after deletion); disconnects it if connected. */
  removeDevice(username: string): Promise<void>;
};

/** For brokers the server does not manage (an external broker configured by hand). */
export const unmanagedBrokerAccess: BrokerAccess = {
  kind: 'none',
  grantDevice: async () => {},
  revokeDevice: async () => {},
  removeDevice: async () => {},
};
