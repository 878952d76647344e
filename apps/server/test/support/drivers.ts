/**
 * The two database drivers Vigil runs on, each opened fresh: PostgreSQL 15 (a throwaway database
 * in the cluster @vigil/testkit starts) and PGlite in memory. Integration tests run the same
 * cases on both.
 */
import { sharedPostgres } from '@vigil/testkit';
import { type Database, openDatabase } from '../../src/telemetry/database';

export type Driver = { name: Database['kind']; open(): Promise<Database> };

export const drivers: Driver[] = [
  {
    name: 'postgres',
    async open() {
      const cluster = await sharedPostgres();
      return openDatabase({ url: await cluster.createDatabase(), dataDir: '' });
    },
  },
  { name: 'pglite', open: () => openDatabase({ dataDir: 'memory://' }) },
];
