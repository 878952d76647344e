/**
 * Turns request credentials into a Principal: a session cookie, a Bearer API token, or HTTP Basic
 * username and password (for scripts). Password checks are rate-limited per client address and
 * per username, so both a spray over many accounts and a guess at one account are slowed down.
 */
import type { Database } from '../telemetry/database';
import { UnauthenticatedError } from './errors';
import type { Principal } from './principal';
import { createRateLimiter, type RateLimiter } from './rate-limit';
import { createSession, deleteSession, resolveSession } from './sessions';
import { resolveApiToken } from './tokens';
import { checkPassword, type UserView } from './users';

/** Name of the session cookie. */
export const SESSION_COOKIE = 'vigil_session';

export type Credentials = {
  /** The `Authorization` header, if any. */
  authorization?: string | null;
  /** The session cookie's value, if any. */
  sessionId?: string | null;
  /** The client's address, for rate limiting. */
  clientAddress: string;
};

export type Authenticator = {
  /** The caller, or null when no credentials were given; throws UnauthenticatedError when bad ones were. */
  authenticate(credentials: Credentials): Promise<Principal | null>;
  /** Password login; returns the user and a new session id, or throws UnauthenticatedError. */
  login(input: { username: string; password: string; clientAddress: string }): Promise<{
    user: UserView;
    sessionId: string;
    expiresAt: Date;
  }>;
  logout(sessionId: string): Promise<void>;
};

/** Attempts allowed per client address and per username in each window. */
export const LOGIN_ATTEMPTS = { limit: 10, windowMs: 60_000 };

/** Builds the authenticator over the user, session and token tables. */
export function createAuthenticator(
  database: Database,
  limits: { limit: number; windowMs: number } = LOGIN_ATTEMPTS,
): Authenticator {
  const byAddress: RateLimiter = createRateLimiter(limits);
  const byUser: RateLimiter = createRateLimiter(limits);

  /** `challenge` is 'basic' when the password came in an HTTP Basic header. */
  const passwordLogin = async (
    username: string,
    password: string,
    clientAddress: string,
    challenge: 'basic' | null,
  ) => {
    // Only wrong passwords spend the budget: a script calling with HTTP Basic all day is not a
    // guesser, while a spent budget refuses even the right password until the window ends.
    byAddress.check(clientAddress);
    byUser.check(username);
    const user = await checkPassword(database, username, password);
    if (user === null) {
      byAddress.record(clientAddress);
      byUser.record(username);
      throw new UnauthenticatedError('wrong username or password', challenge);
    }
    return user;
  };

  return {
    async authenticate({ authorization, sessionId, clientAddress }) {
      if (authorization) {
        const [scheme, value = ''] = authorization.split(' ', 2);
        if (scheme?.toLowerCase() === 'bearer') {
          const principal = await resolveApiToken(database, value.trim());
          if (principal === null) throw new UnauthenticatedError('unknown or revoked API token');
          return principal;
        }
        if (scheme?.toLowerCase() === 'basic') {
          const decoded = Buffer.from(value.trim(), 'base64').toString('utf8');
          const colon = decoded.indexOf(':');
          if (colon < 1) throw new UnauthenticatedError('malformed Basic credentials', 'basic');
          const user = await passwordLogin(
            decoded.slice(0, colon),
            decoded.slice(colon + 1),
            clientAddress,
            'basic',
          );
          return {
            kind: 'user',
            id: user.id,
            name: user.username,
            role: user.role,
            deviceId: null,
          };
        }
        throw new UnauthenticatedError(`unsupported authorization scheme '${scheme}'`);
      }
      if (sessionId) {
        const principal = await resolveSession(database, sessionId);
        if (principal === null) throw new UnauthenticatedError('session expired or signed out');
        return principal;
      }
      return null;
    },
    async login({ username, password, clientAddress }) {
      const user = await passwordLogin(username, password, clientAddress, null);
      const session = await createSession(database, user.id);
      return { user, ...session };
    },
    logout: (sessionId) => deleteSession(database, sessionId),
  };
}
