import type { Database } from '../telemetry/database';

export type Health = {
  status: 'ok' | 'unavailable';
  broker: 'up' | 'down';
  database: 'up' | 'down';
  /** What is down, in words, when something is. */
  error?: string;
};

/** Checks the broker connection and a database round trip (bounded by the ping timeout). */
export async function checkHealth(deps: {
  database: Database;
  brokerConnected(): boolean;
}): Promise<Health> {
  const broker = deps.brokerConnected() ? 'up' : 'down';
  const database = await deps.database.ping().then(
    () => 'up' as const,
    () => 'down' as const,
  );
  const down = [broker === 'down' ? 'broker' : '', database === 'down' ? 'database' : ''].filter(
    Boolean,
  );
  if (down.length === 0) return { status: 'ok', broker, database };
  return { status: 'unavailable', broker, database, error: `${down.join(' and ')} unreachable` };
}
