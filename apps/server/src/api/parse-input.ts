import type { z } from 'zod';
import { InvalidInputError } from '../errors';

/**
 * Validates REST input with the same zod schema tRPC uses, turning zod's issues into one
 * InvalidInputError whose message names each bad field.
 */
export function parseInput<S extends z.ZodType>(schema: S, data: unknown): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const messages = result.error.issues.map((issue) => {
    const field = issue.path.join('.');
    // Our own parsers already start their message with the field's name.
    return field === '' || issue.message.startsWith(`${field} `)
      ? issue.message
      : `${field}: ${issue.message}`;
  });
  throw new InvalidInputError(messages.join('; '));
}
