/** Typed errors of authentication and authorisation; the edges map them to 401, 403 and 429. */

/**
 * No valid credentials were presented (HTTP 401, tRPC UNAUTHORIZED). `challenge` is the scheme
 * the caller used and should answer again with: only a request that sent HTTP Basic gets a Basic
 * challenge back, because browsers answer one with a credentials dialog (or a held-open fetch).
 */
export class UnauthenticatedError extends Error {
  constructor(
    message = 'authentication required',
    readonly challenge: 'basic' | null = null,
  ) {
    super(message);
    this.name = 'UnauthenticatedError';
  }
}

/** The caller is known but lacks the role or scope (HTTP 403, tRPC FORBIDDEN). */
export class ForbiddenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ForbiddenError';
  }
}

/** Too many attempts from one source (HTTP 429, tRPC TOO_MANY_REQUESTS). */
export class RateLimitedError extends Error {
  constructor(readonly retryAfterS: number) {
    super(`too many attempts; retry in ${retryAfterS} s`);
    this.name = 'RateLimitedError';
  }
}

/** The thing to create already exists (HTTP 409, tRPC CONFLICT). */
export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}
