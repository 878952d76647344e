import { type RunningPostgres, startPostgres } from './postgres';

let shared: Promise<RunningPostgres> | undefined;

/**
 * One PostgreSQL cluster per test process: `bun test` runs every file in one process, so files
 * share the cluster and isolate themselves with `createDatabase()`.
 */
export function sharedPostgres(): Promise<RunningPostgres> {
  shared ??= startPostgres();
  return shared;
}
