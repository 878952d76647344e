/**
 * The server's own account on the embedded broker: MQTT_USERNAME/MQTT_PASSWORD when configured,
 * otherwise a random password made for this process (the embedded broker lives and dies with
 * it, so nobody else ever needs to know it).
 */
import { randomSecret } from '../../auth/secrets';

/** The account the server's ingest, command and state connections log in with. */
export function embeddedServerAccount(configured: { username?: string; password?: string }): {
  username: string;
  password: string;
} {
  if (configured.username !== undefined && configured.password !== undefined) {
    return { username: configured.username, password: configured.password };
  }
  return { username: configured.username ?? 'vigil-server', password: randomSecret() };
}
