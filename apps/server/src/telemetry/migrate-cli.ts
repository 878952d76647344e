/**
 * `bun run db:migrate`: applies pending migrations and exits. Uses the same configuration as the
 * server (DATABASE_URL, or PGlite in DATA_DIR), so it migrates the database the server would open.
 */
import { ConfigError, loadConfig } from '../config';
import { openDatabase } from './database';

try {
  const config = loadConfig(process.env);
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  await database.close();
  console.log(`migrations applied (${database.kind})`);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`config error: ${error.message}`);
  } else {
    console.error(`migration failed: ${(error as Error).message}`);
  }
  process.exit(1);
}
