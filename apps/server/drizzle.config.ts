import { defineConfig } from 'drizzle-kit';

// Migrations live at the repository root (drizzle/) so operators find them without the app tree.
export default defineConfig({
  dialect: 'postgresql',
  schema: ['./src/devices/schema.ts', './src/telemetry/schema.ts'],
  out: '../../drizzle',
});
