/**
 * zod field types that accept both REST query strings and tRPC JSON values, so one schema
 * validates both edges: `limit=50` in a URL and `{ limit: 50 }` from tRPC parse alike.
 */
import { z } from 'zod';
import { InvalidInputError } from './errors';

/** Turns a parser that throws InvalidInputError into a zod transform with the same message. */
export function parsedBy<I, O>(parse: (value: I) => O) {
  return (value: I, ctx: z.core.$RefinementCtx<I>): O => {
    try {
      return parse(value);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message, input: value });
      return z.NEVER;
    }
  };
}

/** A whole number in [min, max], given as a number or a string of digits. */
export function wholeNumber(min: number, max: number) {
  return z
    .union([z.number(), z.string().regex(/^\d+$/, 'must be a whole number')])
    .transform(Number)
    .pipe(z.int().min(min).max(max));
}

/** Identifier of a device: what the topic's `<id>` level may hold. */
export const deviceId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[^/+#\s]+$/, "must not contain '/', '+', '#' or spaces");
