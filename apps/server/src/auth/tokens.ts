/**
 * API tokens for integrators: random 256-bit values shown once, stored as SHA-256, each scoped to
 * a role (and optionally one device), revocable, with the time of last use recorded.
 */
import { and, asc, eq, isNull } from 'drizzle-orm';
import { NotFoundError } from '../errors';
import type { Database } from '../telemetry/database';
import type { Principal } from './principal';
import type { Role } from './roles';
import { type ApiToken, ApiTokens } from './schema';
import { randomSecret, sha256Hex } from './secrets';

/** Tokens carry this prefix so scanners and humans can tell them from other secrets. */
export const TOKEN_PREFIX = 'vgl_';

/** Last-used is written at most once per minute per token, not on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export type ApiTokenView = {
  id: string;
  name: string;
  role: Role;
  deviceId: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
};

/** Creates a token; the returned `token` is the only time its value is seen. */
export async function createApiToken(
  database: Database,
  input: { name: string; role: Role; deviceId?: string | null; createdBy?: string | null },
): Promise<ApiTokenView & { token: string }> {
  const token = TOKEN_PREFIX + randomSecret();
  const [row] = await database.db
    .insert(ApiTokens)
    .values({
      id: crypto.randomUUID(),
      name: input.name,
      tokenHash: sha256Hex(token),
      role: input.role,
      deviceId: input.deviceId ?? null,
      createdBy: input.createdBy ?? null,
    })
    .returning();
  if (row === undefined) throw new Error('token insert returned no row');
  return { ...toTokenView(row), token };
}

/** The principal of a live (unrevoked) token, recording its use; null when unknown or revoked. */
export async function resolveApiToken(
  database: Database,
  token: string,
  now = new Date(),
): Promise<Principal | null> {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const [row] = await database.db
    .select()
    .from(ApiTokens)
    .where(and(eq(ApiTokens.tokenHash, sha256Hex(token)), isNull(ApiTokens.revokedAt)));
  if (row === undefined) return null;
  if (
    row.lastUsedAt === null ||
    now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS
  ) {
    await database.db.update(ApiTokens).set({ lastUsedAt: now }).where(eq(ApiTokens.id, row.id));
  }
  return { kind: 'token', id: row.id, name: row.name, role: row.role, deviceId: row.deviceId };
}

/** Revokes a token at once; throws NotFoundError for an unknown id. Revoking twice is harmless. */
export async function revokeApiToken(
  database: Database,
  id: string,
  now = new Date(),
): Promise<void> {
  const [row] = await database.db
    .update(ApiTokens)
    .set({ revokedAt: now })
    .where(eq(ApiTokens.id, id))
    .returning({ id: ApiTokens.id });
  if (row === undefined) throw new NotFoundError(`API token '${id}' does not exist`);
}

/** All tokens, newest names first within creation order; never their values. */
export async function listApiTokens(database: Database): Promise<ApiTokenView[]> {
  const rows = await database.db.select().from(ApiTokens).orderBy(asc(ApiTokens.createdAt));
  return rows.map(toTokenView);
}

function toTokenView(row: ApiToken): ApiTokenView {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    deviceId: row.deviceId,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}
