/**
 * Who may do what. Roles are ordered: every right of a viewer belongs to an operator, every right
 * of an operator to an admin. Routes and procedures declare the least role they need.
 */

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What a route requires: a role, or 'public' for routes open to anyone (health, claim, login). */
export type Access = Role | 'public';

/** True when `held` grants at least the rights of `needed`. */
export function roleAtLeast(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}

/** Narrows an arbitrary string to a Role, or undefined. */
export function parseRole(value: string): Role | undefined {
  return (ROLES as readonly string[]).includes(value) ? (value as Role) : undefined;
}
