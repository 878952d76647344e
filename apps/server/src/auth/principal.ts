/** Who is calling: a user (session or HTTP Basic) or an API token. */
import { ForbiddenError, UnauthenticatedError } from './errors';
import { type Access, type Role, roleAtLeast } from './roles';

export type Principal = {
  kind: 'user' | 'token';
  /** User id or token id. */
  id: string;
  /** Username or token name, for logs and audit. */
  name: string;
  role: Role;
  /** A device-scoped token may touch only this device's resources; null means all devices. */
  deviceId: string | null;
};

/**
 * Enforces a route's declared access: throws UnauthenticatedError when a role is needed and nobody
 * is signed in, ForbiddenError when the caller's role is too low or the caller is device-scoped
 * and the route is not about that device (`deviceId` is the route's device, if any).
 */
export function requireAccess(
  principal: Principal | null,
  access: Access,
  deviceId?: string,
): Principal | null {
  if (access === 'public') return principal;
  if (principal === null) throw new UnauthenticatedError();
  if (!roleAtLeast(principal.role, access)) {
    throw new ForbiddenError(`requires role '${access}', caller has '${principal.role}'`);
  }
  if (principal.deviceId !== null && principal.deviceId !== deviceId) {
    throw new ForbiddenError(`credentials are scoped to device '${principal.deviceId}'`);
  }
  return principal;
}
