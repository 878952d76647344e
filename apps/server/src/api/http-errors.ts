/** The REST edge's one error path: typed service errors become HTTP statuses and JSON bodies. */
import {
  ConflictError,
  ForbiddenError,
  RateLimitedError,
  UnauthenticatedError,
} from '../auth/errors';
import { BrokerUnavailableError } from '../broker/access/broker-access';
import { InvalidInputError, NotFoundError, ServiceUnavailableError } from '../errors';
import type { Logger } from '../log';
import { PayloadTooLargeError } from './body-limit';

export type ErrorBody = { error: string };

/**
 * Maps an error to a status and body. Elysia's own codes cover unmatched routes and unparsable
 * bodies; anything unexpected is logged and answered 500 without internals.
 */
export function toHttpError(
  error: unknown,
  elysiaCode: string | number,
  log: Logger,
): { status: number; body: ErrorBody; headers?: Record<string, string> } {
  // A route's own body parser (per-route limits) fails inside Elysia's ParseError.
  if (elysiaCode === 'PARSE' && error instanceof Error) {
    const cause = error.cause;
    if (cause instanceof PayloadTooLargeError || cause instanceof InvalidInputError) {
      return toHttpError(cause, 'UNKNOWN', log);
    }
  }
  if (error instanceof UnauthenticatedError) {
    // Only callers that used HTTP Basic are challenged: a browser answers a Basic challenge with
    // a credentials dialog, which would hang the dashboard's sign-in on a wrong password.
    return {
      status: 401,
      body: { error: error.message },
      ...(error.challenge === 'basic'
        ? { headers: { 'www-authenticate': 'Basic realm="vigil", charset="UTF-8"' } }
        : {}),
    };
  }
  if (error instanceof ForbiddenError) return { status: 403, body: { error: error.message } };
  if (error instanceof RateLimitedError) {
    return {
      status: 429,
      body: { error: error.message },
      headers: { 'retry-after': String(error.retryAfterS) },
    };
  }
  if (error instanceof ConflictError) return { status: 409, body: { error: error.message } };
  if (error instanceof BrokerUnavailableError || error instanceof ServiceUnavailableError) {
    return { status: 503, body: { error: error.message } };
  }
  if (error instanceof NotFoundError) return { status: 404, body: { error: error.message } };
  if (error instanceof InvalidInputError) return { status: 400, body: { error: error.message } };
  if (error instanceof PayloadTooLargeError) return { status: 413, body: { error: error.message } };
  if (elysiaCode === 'NOT_FOUND') return { status: 404, body: { error: 'no such route' } };
  if (elysiaCode === 'PARSE') return { status: 400, body: { error: 'unparsable request body' } };
  log.error('request failed', { error });
  return { status: 500, body: { error: 'internal error' } };
}
