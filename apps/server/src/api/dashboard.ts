/**
 * The dashboard on the API's own origin: the built SvelteKit app (@vigil/web) answers every path
 * the API does not own, so one URL serves both and the session cookie needs no CORS. The
 * dashboard is optional at run time: without a build the API still starts, and both the log and
 * the pages say how to build it.
 */
import { createWebHandler, WebBuildMissingError, type WebHandler } from '@vigil/web/handler';
import { requireRole } from '../auth/elysia-access';
import { NotFoundError } from '../errors';
import type { Logger } from '../log';
import type { App } from './app';

/** How to get a dashboard build, for the log and for the page shown without one. */
export const DASHBOARD_BUILD_HINT =
  "run 'bun run build:web' and restart (bun run start builds it when it is missing or stale)";

/**
 * Loads the built dashboard with `api` as its in-process API. Returns null, after logging why and
 * what to do, when there is no build or it cannot be loaded: the API must come up regardless.
 */
export async function loadDashboard(options: {
  api: (request: Request) => Promise<Response>;
  log: Logger;
  /** The adapter-node build; defaults to apps/web/build. */
  buildDir?: string;
}): Promise<WebHandler | null> {
  try {
    return await createWebHandler({
      api: options.api,
      ...(options.buildDir === undefined ? {} : { buildDir: options.buildDir }),
    });
  } catch (error) {
    if (error instanceof WebBuildMissingError) {
      options.log.warn('dashboard not built; serving the API only', {
        buildDir: error.buildDir,
        fix: DASHBOARD_BUILD_HINT,
      });
    } else {
      options.log.error('dashboard build could not be loaded; serving the API only', {
        error,
        fix: DASHBOARD_BUILD_HINT,
      });
    }
    return null;
  }
}

/**
 * Adds the dashboard as the app's fallback route; call it after every API route is registered.
 * Paths under an API route's first segment (/devices, /trpc, /auth ...) never reach the
 * dashboard: an unknown one stays the API's JSON 404. Without a build, other paths answer 503
 * with the way to build it.
 */
export function mountDashboard(app: App, dashboard: WebHandler | null): void {
  const apiPrefixes = new Set(app.routes.map((route) => firstSegment(route.path)));
  app.all(
    '/*',
    ({ request, server }) => {
      if (apiPrefixes.has(firstSegment(new URL(request.url).pathname))) {
        throw new NotFoundError('no such route');
      }
      if (dashboard === null) {
        return new Response(`The Vigil dashboard is not built: ${DASHBOARD_BUILD_HINT}.\n`, {
          status: 503,
          headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
        });
      }
      return dashboard.fetch(request, server?.requestIP(request)?.address);
    },
    // The dashboard reads its own bodies (form actions) and checks sign-in in its own loads.
    { parse: 'none', beforeHandle: requireRole('public') },
  );
}

/** '/devices/:id/state' -> '/devices'. */
function firstSegment(path: string): string {
  return `/${path.split('/')[1] ?? ''}`;
}
