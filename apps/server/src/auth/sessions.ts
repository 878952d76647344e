/** Login sessions: a random id in an HttpOnly cookie, its SHA-256 in the database. */
import { and, eq, gt, lte } from 'drizzle-orm';
import type { Database } from '../telemetry/database';
import type { Principal } from './principal';
import { Sessions, Users } from './schema';
import { randomSecret, sha256Hex } from './secrets';

/** Sessions last 12 hours from login; a new login is needed after that. */
export const SESSION_TTL_MS = 12 * 3_600_000;

/** Starts a session for a user; returns the cookie value (shown to the client only). */
export async function createSession(
  database: Database,
  userId: string,
  now = new Date(),
): Promise<{ sessionId: string; expiresAt: Date }> {
  const sessionId = randomSecret();
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  await database.db.insert(Sessions).values({ idHash: sha256Hex(sessionId), userId, expiresAt });
  return { sessionId, expiresAt };
}

/** The principal behind a live session cookie, or null when unknown or expired. */
export async function resolveSession(
  database: Database,
  sessionId: string,
  now = new Date(),
): Promise<Principal | null> {
  const [row] = await database.db
    .select({ id: Users.id, username: Users.username, role: Users.role })
    .from(Sessions)
    .innerJoin(Users, eq(Users.id, Sessions.userId))
    .where(and(eq(Sessions.idHash, sha256Hex(sessionId)), gt(Sessions.expiresAt, now)));
  if (row === undefined) return null;
  return { kind: 'user', id: row.id, name: row.username, role: row.role, deviceId: null };
}

/** Ends a session (logout); unknown ids are ignored. */
export async function deleteSession(database: Database, sessionId: string): Promise<void> {
  await database.db.delete(Sessions).where(eq(Sessions.idHash, sha256Hex(sessionId)));
}

/** Removes expired sessions; returns how many. */
export async function pruneSessions(database: Database, now = new Date()): Promise<number> {
  const gone = await database.db
    .delete(Sessions)
    .where(lte(Sessions.expiresAt, now))
    .returning({ idHash: Sessions.idHash });
  return gone.length;
}

/** Removes expired sessions every `intervalMs` (default hourly) so the table stays small. */
export function startSessionPruner(
  database: Database,
  onError: (error: unknown) => void,
  intervalMs = 3_600_000,
): { stop(): void } {
  const timer = setInterval(() => {
    pruneSessions(database).catch(onError);
  }, intervalMs);
  return { stop: () => clearInterval(timer) };
}
