/** User accounts: creation, password login, listing. Knows nothing of HTTP or cookies. */
import { asc, count, eq } from 'drizzle-orm';
import { z } from 'zod';
import { InvalidInputError } from '../errors';
import type { Database } from '../telemetry/database';
import { ConflictError } from './errors';
import type { Role } from './roles';
import { type User, Users } from './schema';
import { hashPassword, randomSecret, verifyPassword } from './secrets';

/** Usernames are short, printable and free of ':' (HTTP Basic splits on the first one). */
export const usernameField = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._@-]+$/, 'letters, digits and . _ @ - only');
/** At least 12 characters: the only rule that measurably helps against guessing. */
export const passwordField = z.string().min(12, 'at least 12 characters').max(256);

export type UserView = { id: string; username: string; role: Role; createdAt: string };

/** A hash verified against when the username is unknown, so both paths take the same time. */
const decoyHash = hashPassword(randomSecret());

/** Creates a user; throws ConflictError if the username is taken, InvalidInputError if malformed. */
export async function createUser(
  database: Database,
  input: { username: string; password: string; role: Role },
): Promise<UserView> {
  const username = parseField(usernameField, input.username, 'username');
  const password = parseField(passwordField, input.password, 'password');
  const [row] = await database.db
    .insert(Users)
    .values({
      id: crypto.randomUUID(),
      username,
      passwordHash: await hashPassword(password),
      role: input.role,
    })
    .onConflictDoNothing({ target: Users.username })
    .returning();
  if (row === undefined) throw new ConflictError(`user '${username}' already exists`);
  return toUserView(row);
}

/** The user whose username and password match, or null (same timing for unknown users). */
export async function checkPassword(
  database: Database,
  username: string,
  password: string,
): Promise<UserView | null> {
  const [row] = await database.db.select().from(Users).where(eq(Users.username, username));
  if (row === undefined) {
    await verifyPassword(password, await decoyHash);
    return null;
  }
  return (await verifyPassword(password, row.passwordHash)) ? toUserView(row) : null;
}

/** All users by username. */
export async function listUsers(database: Database): Promise<UserView[]> {
  const rows = await database.db.select().from(Users).orderBy(asc(Users.username));
  return rows.map(toUserView);
}

/** Number of users; zero means the first admin has not been created yet. */
export async function countUsers(database: Database): Promise<number> {
  const [row] = await database.db.select({ n: count() }).from(Users);
  return row?.n ?? 0;
}

/**
 * Creates the first admin when no user exists yet (first start with ADMIN_USER/ADMIN_PASSWORD).
 * Returns the new admin, or null when users already exist (the environment is then ignored).
 */
export async function ensureFirstAdmin(
  database: Database,
  credentials: { username: string; password: string },
): Promise<UserView | null> {
  if ((await countUsers(database)) > 0) return null;
  try {
    return await createUser(database, { ...credentials, role: 'admin' });
  } catch (error) {
    // Another replica created it between the count and the insert.
    if (error instanceof ConflictError) return null;
    throw error;
  }
}

function parseField<T>(schema: z.ZodType<T>, value: unknown, name: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new InvalidInputError(`${name}: ${result.error.issues[0]?.message ?? 'invalid'}`);
  }
  return result.data;
}

function toUserView(row: User): UserView {
  return {
    id: row.id,
    username: row.username,
    role: row.role,
    createdAt: row.createdAt.toISOString(),
  };
}
