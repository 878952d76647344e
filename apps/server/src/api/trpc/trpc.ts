/**
 * tRPC's base: the router constructor and the base procedures. Only these are exported; each
 * capability's router builds on them (later: authedProcedure, adminProcedure).
 */
import { initTRPC, TRPCError } from '@trpc/server';
import { InvalidInputError, NotFoundError } from '../../errors';
import type { ApiContext } from './context';

const t = initTRPC.context<ApiContext>().create({
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
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Open to anyone who can reach the API. */
export const publicProcedure = t.procedure.use(translateErrors);
