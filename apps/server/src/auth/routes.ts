/**
 * REST edge of users, sessions and API tokens: login and logout with an HttpOnly, SameSite=Strict
 * session cookie (Secure on HTTPS), the caller's identity, and admin management of users and tokens.
 */
import { Elysia } from 'elysia';
import { z } from 'zod';
import { parseInput } from '../api/parse-input';
import { deviceId } from '../input-fields';
import type { Database } from '../telemetry/database';
import { type Authenticator, SESSION_COOKIE } from './authenticator';
import { authContext, clientAddress, requireRole } from './elysia-access';
import { jsonBody, SMALL_JSON_LIMIT } from './json-body';
import { ROLES } from './roles';
import { SESSION_TTL_MS } from './sessions';
import { createApiToken, listApiTokens, revokeApiToken } from './tokens';
import { createUser, listUsers, passwordField, usernameField } from './users';

const loginInput = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
});
const createTokenInput = z.object({
  name: z.string().min(1).max(100),
  role: z.enum(ROLES),
  deviceId: deviceId.optional(),
});
const createUserInput = z.object({
  username: usernameField,
  password: passwordField,
  role: z.enum(ROLES),
});

export type AuthRouteDeps = {
  database: Database;
  authenticator: Authenticator;
  /** Mark the cookie Secure even on plain-HTTP requests (behind a TLS-terminating proxy). */
  secureCookies?: boolean;
};

/** The /auth and /users routes. */
export function authRoutes(deps: AuthRouteDeps) {
  const { database, authenticator } = deps;
  const parse = jsonBody(SMALL_JSON_LIMIT);
  return new Elysia({ name: 'vigil-auth-routes' })
    .use(authContext(authenticator))
    .post(
      '/auth/login',
      async ({ body, cookie, request, server }) => {
        const input = parseInput(loginInput, body);
        const { user, sessionId } = await authenticator.login({
          ...input,
          clientAddress: clientAddress(server, request),
        });
        cookie[SESSION_COOKIE]?.set({
          value: sessionId,
          httpOnly: true,
          sameSite: 'strict',
          secure: deps.secureCookies === true || new URL(request.url).protocol === 'https:',
          path: '/',
          maxAge: SESSION_TTL_MS / 1000,
        });
        return { user };
      },
      { parse, beforeHandle: requireRole('public') },
    )
    .post(
      '/auth/logout',
      async ({ cookie }) => {
        const session = cookie[SESSION_COOKIE];
        if (typeof session?.value === 'string' && session.value !== '') {
          await authenticator.logout(session.value);
        }
        session?.remove();
        return { ok: true };
      },
      { parse, beforeHandle: requireRole('public') },
    )
    .get('/auth/me', async ({ principal }) => principal(), { beforeHandle: requireRole('viewer') })
    .get('/auth/tokens', () => listApiTokens(database), { beforeHandle: requireRole('admin') })
    .post(
      '/auth/tokens',
      async ({ body, principal, set }) => {
        const input = parseInput(createTokenInput, body);
        const creator = await principal();
        set.status = 201;
        return createApiToken(database, {
          ...input,
          createdBy: creator?.kind === 'user' ? creator.id : null,
        });
      },
      { parse, beforeHandle: requireRole('admin') },
    )
    .delete(
      '/auth/tokens/:tokenId',
      async ({ params }) => {
        await revokeApiToken(database, params.tokenId);
        return { ok: true };
      },
      { beforeHandle: requireRole('admin') },
    )
    .get('/users', () => listUsers(database), { beforeHandle: requireRole('admin') })
    .post(
      '/users',
      async ({ body, set }) => {
        set.status = 201;
        return createUser(database, parseInput(createUserInput, body));
      },
      { parse, beforeHandle: requireRole('admin') },
    );
}
