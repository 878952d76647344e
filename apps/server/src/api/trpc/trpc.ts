/**
 * tRPC's base: the router constructor and the base procedures, one per access level. Only these
 * are exported; each capability's router builds on them, so every procedure carries the access
 * it needs in its meta (the route table test reads it) and the check runs before the resolver.
 */
import { initTRPC, TRPCError } from '@trpc/server';
import {
  ConflictError,
  ForbiddenError,
  RateLimitedError,
  UnauthenticatedError,
} from '../../auth/errors';
import { requireAccess } from '../../auth/principal';
import type { Access } from '../../auth/roles';
import { BrokerUnavailableError } from '../../broker/access/broker-access';
import { InvalidInputError, NotFoundError, ServiceUnavailableError } from '../../errors';
import type { ApiContext } from './context';

/** What each procedure declares: the least access it needs. */
export type ProcedureMeta = { access: Access };

const t = initTRPC
  .context<ApiContext>()
  .meta<ProcedureMeta>()
  .create({
    sse: {
      // Pings keep idle streams under Bun's idle timeout and let clients detect dead servers.
      ping: { enabled: true, intervalMs: 10_000 },
      client: { reconnectAfterInactivityMs: 25_000 },
    },
  });

/** The tRPC edge's one error path: typed service errors become tRPC error codes. */
const translateErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (result.ok) return result;
  const cause = result.error.cause;
  if (cause instanceof NotFoundError) {
    throw new TRPCError({ code: 'NOT_FOUND', message: cause.message, cause });
  }
  if (cause instanceof InvalidInputError) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: cause.message, cause });
  }
  if (cause instanceof UnauthenticatedError) {
    throw new TRPCError({ code: 'UNAUTHORIZED', message: cause.message, cause });
  }
  if (cause instanceof ForbiddenError) {
    throw new TRPCError({ code: 'FORBIDDEN', message: cause.message, cause });
  }
  if (cause instanceof RateLimitedError) {
    throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: cause.message, cause });
  }
  if (cause instanceof ConflictError) {
    throw new TRPCError({ code: 'CONFLICT', message: cause.message, cause });
  }
  if (cause instanceof BrokerUnavailableError || cause instanceof ServiceUnavailableError) {
    throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: cause.message, cause });
  }
  return result;
});

/**
 * Enforces the procedure's declared access. A procedure without one is refused for everyone
 * (fail closed). The device a call is about (`deviceId` or `id` in its input) is checked against
 * device-scoped credentials.
 */
const enforceAccess = t.middleware(async ({ ctx, meta, getRawInput, next }) => {
  if (meta?.access === undefined) throw new ForbiddenError('procedure declares no access');
  if (meta.access !== 'public') {
    const raw = (await getRawInput()) as { deviceId?: unknown; id?: unknown } | undefined;
    const device = typeof raw === 'object' && raw !== null ? (raw.deviceId ?? raw.id) : undefined;
    requireAccess(
      await ctx.principal(),
      meta.access,
      typeof device === 'string' ? device : undefined,
    );
  }
  return next();
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

const base = t.procedure.use(translateErrors).use(enforceAccess);

/** Open to anyone who can reach the API. */
export const publicProcedure = base.meta({ access: 'public' });
/** Signed-in users and tokens of any role: reading. */
export const viewerProcedure = base.meta({ access: 'viewer' });
/** Operators and admins: acting on devices. */
export const operatorProcedure = base.meta({ access: 'operator' });
/** Admins only: credentials, users, tokens. */
export const adminProcedure = base.meta({ access: 'admin' });
