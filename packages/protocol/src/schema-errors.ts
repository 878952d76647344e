/** A compiled TypeBox validator, as far as error reporting needs it. */
export type Validator = {
  Check(value: unknown): boolean;
  Errors(value: unknown): Iterable<{ path: string; message: string; value: unknown }>;
};

/**
 * The first validation error of `value` as `field.path: message, got <value>`. Paths are dotted
 * (`metrics.temp`) rather than JSON Pointers: they appear in the dead-letter view, read by
 * people operating devices.
 */
export function firstSchemaError(check: Validator, value: unknown): string {
  for (const error of check.Errors(value)) {
    const message = error.message.charAt(0).toLowerCase() + error.message.slice(1);
    const got = error.value === undefined ? '' : `, got ${preview(error.value)}`;
    return `${fieldPath(error.path)}: ${message}${got}`;
  }
  return 'payload: does not match the schema';
}

/** `/metrics/temp` -> `metrics.temp`; the root is `payload`. */
export function fieldPath(pointer: string): string {
  if (pointer === '' || pointer === '/') return 'payload';
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .join('.');
}

/** A short rendering of an offending value for a detail string. */
export function preview(value: unknown): string {
  if (typeof value === 'number') return String(value);
  const text = JSON.stringify(value) ?? typeof value;
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
