/**
 * A per-route JSON body parser with its own size limit (Bun alone would accept 128 MiB): routes
 * set `parse: jsonBody(limit)`. A missing or empty body parses as `{}`.
 */
import { limitBody } from '../api/body-limit';
import { InvalidInputError } from '../errors';

/** Limit of the small JSON bodies of login, token, user and device routes. */
export const SMALL_JSON_LIMIT = 16 * 1024;

/** An Elysia `parse` hook reading at most `limit` bytes of JSON. */
export function jsonBody(limit: number) {
  return async ({ request }: { request: Request }): Promise<unknown> => {
    const limited = await limitBody(request, limit);
    const text = await limited.text();
    if (text.trim() === '') return {};
    try {
      return JSON.parse(text);
    } catch {
      throw new InvalidInputError('request body is not valid JSON');
    }
  };
}
