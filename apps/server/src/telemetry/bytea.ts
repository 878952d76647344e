import { customType } from 'drizzle-orm/pg-core';

/**
 * PostgreSQL bytea. Drizzle 0.45 has no built-in column for it; postgres.js returns a Buffer and
 * PGlite a Uint8Array, and a Buffer is a Uint8Array, so the column type is Uint8Array on both.
 */
export const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
});
