/**
 * `bun run admin:create <username> [role]`: creates a user (an admin unless another role is given)
 * in the database the server would open (DATABASE_URL, or PGlite in DATA_DIR). The password is
 * read from standard input, so it never appears in the shell history or the process list:
 *   printf '%s\n' "$PASSWORD" | bun run admin:create alice
 */
import { ConfigError, loadConfig } from '../config';
import { InvalidInputError } from '../errors';
import { openDatabase } from '../telemetry/database';
import { ConflictError } from './errors';
import { parseRole } from './roles';
import { createUser } from './users';

const [username, roleArg = 'admin'] = process.argv.slice(2);
const role = parseRole(roleArg);
if (username === undefined || role === undefined) {
  console.error(
    'usage: bun run admin:create <username> [viewer|operator|admin]  (password on stdin)',
  );
  process.exit(2);
}

if (process.stdin.isTTY) process.stdout.write(`password for ${username}: `);
const password = await readLine();

try {
  const config = loadConfig(process.env);
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  try {
    const user = await createUser(database, { username, password, role });
    console.log(`created ${user.role} '${user.username}'`);
  } finally {
    await database.close();
  }
} catch (error) {
  if (
    error instanceof ConfigError ||
    error instanceof InvalidInputError ||
    error instanceof ConflictError
  ) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

/** The first line of standard input, without its line ending. */
async function readLine(): Promise<string> {
  for await (const line of console) return line.replace(/\r$/, '');
  return '';
}
