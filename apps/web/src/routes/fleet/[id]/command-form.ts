/** Turning a command's form fields into validated parameters, before anything is sent. */
import type { CommandField } from '#lib/api/types';

export type FieldValues = Record<string, string | boolean>;

/** Initial form values: switches off, integers at their minimum. */
export function defaultValues(fields: readonly CommandField[]): FieldValues {
  return Object.fromEntries(
    fields.map((field) => [field.name, field.type === 'boolean' ? false : String(field.min)]),
  );
}

/**
 * Checks the form against the fields; returns the parameters to send or the first problem as a
 * sentence naming the field. The server validates again: this only saves a round trip.
 */
export function collectParams(
  fields: readonly CommandField[],
  values: FieldValues,
): { ok: true; params: Record<string, boolean | number> } | { ok: false; error: string } {
  const params: Record<string, boolean | number> = {};
  for (const field of fields) {
    const raw = values[field.name];
    if (field.type === 'boolean') {
      params[field.name] = raw === true;
      continue;
    }
    const text = typeof raw === 'string' ? raw.trim() : String(raw ?? '');
    const value = Number(text);
    if (text === '' || !Number.isInteger(value)) {
      return { ok: false, error: `${field.label}: enter a whole number` };
    }
    if (value < field.min || value > field.max) {
      return { ok: false, error: `${field.label}: must be between ${field.min} and ${field.max}` };
    }
    params[field.name] = value;
  }
  return { ok: true, params };
}
