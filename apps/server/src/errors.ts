/**
 * The typed errors services throw. Edges translate them once each: HTTP status in the REST
 * routes, TRPCError code in tRPC. Anything else reaching an edge is an internal error.
 */

/** The thing asked for does not exist (HTTP 404, tRPC NOT_FOUND). */
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/** The request is well-formed but asks for something invalid (HTTP 400, tRPC BAD_REQUEST). */
export class InvalidInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidInputError';
  }
}

/** A part the request needs is down right now; retrying later may succeed (HTTP 503). */
export class ServiceUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServiceUnavailableError';
  }
}
