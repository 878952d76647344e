import { defineConfig } from 'drizzle-kit';

// Migrations live at the repository root (drizzle/) so operators find them without the app tree.
// Every capability keeps its tables in a file ending in schema.ts (devices/schema.ts,
// devices/credentials-schema.ts, auth/schema.ts, ...); the glob picks up new ones.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/**/*schema.ts',
  out: '../../drizzle',
});
