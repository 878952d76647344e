/** Path prefixes served by the Vigil API rather than by the dashboard. */
export const API_PREFIXES = [
  '/trpc',
  '/auth',
  '/users',
  '/health',
  '/metrics',
  '/devices',
  '/dead-letters',
  '/anomalies',
  '/claim-codes',
  '/claim',
  '/ota',
] as const;

/** Whether a request path belongs to the Vigil API (so the dashboard must not answer it). */
export function isApiPath(pathname: string): boolean {
  return API_PREFIXES.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));
}
