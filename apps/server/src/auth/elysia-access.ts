/**
 * Authentication and per-route access for the Elysia app. Every route declares its access with
 * `{ beforeHandle: requireRole('viewer') }` (or 'public'); the declaration travels with the route,
 * so a test can list `app.routes` and find any route that declares nothing.
 */
import { Elysia } from 'elysia';
import { type Authenticator, SESSION_COOKIE } from './authenticator';
import { type Principal, requireAccess } from './principal';
import type { Access } from './roles';

type AccessContext = {
  principal: () => Promise<Principal | null>;
  /** Undefined on routes without path parameters. */
  params?: object;
};

/** A beforeHandle hook enforcing `access`, tagged so the route's declared access can be read back. */
export function requireRole(access: Access) {
  const check = async ({ principal, params }: AccessContext) => {
    // Routes about one device (`/devices/:id/...`) pass it, so device-scoped tokens fit them.
    const id =
      typeof params === 'object' && 'id' in params && typeof params.id === 'string'
        ? params.id
        : undefined;
    requireAccess(await principal(), access, id);
  };
  return Object.assign(check, { access });
}

/** The access a route declared through requireRole, or undefined when it declared none. */
export function declaredAccess(route: { hooks?: unknown }): Access | undefined {
  const hooks = (route.hooks ?? {}) as { beforeHandle?: unknown };
  const list = [hooks.beforeHandle].flat() as Array<{ access?: Access; fn?: { access?: Access } }>;
  for (const hook of list) {
    const access = hook?.access ?? hook?.fn?.access;
    if (access !== undefined) return access;
  }
  return undefined;
}

/** The client address of a request, for rate limiting ('unknown' when not served by Bun). */
export function clientAddress(
  server: { requestIP(request: Request): { address: string } | null } | null,
  request: Request,
): string {
  return server?.requestIP(request)?.address ?? 'unknown';
}

/**
 * Adds a lazy `principal()` to every request: credentials are looked at only by routes that need
 * them, so a stale cookie never blocks /health or /auth/login.
 */
export function authContext(authenticator: Authenticator) {
  return new Elysia({ name: 'vigil-auth-context' }).derive(
    { as: 'global' },
    ({ request, cookie, server }) => {
      let resolved: Promise<Principal | null> | undefined;
      return {
        principal: () => {
          resolved ??= authenticator.authenticate({
            authorization: request.headers.get('authorization'),
            sessionId: cookie[SESSION_COOKIE]?.value as string | undefined,
            clientAddress: clientAddress(server, request),
          });
          return resolved;
        },
      };
    },
  );
}
