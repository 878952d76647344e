import { createVigilClient, type VigilClient } from '#lib/api/client';

/**
 * The API client for a server load: it calls the page's own origin through SvelteKit's `fetch`,
 * which forwards the user's cookies and which `handleFetch` routes to the in-process API.
 */
export function serverApi(event: { fetch: typeof fetch; url: URL }): { client: VigilClient } {
  const url = new URL('/trpc', event.url).href;
  return { client: createVigilClient({ url, fetch: event.fetch }) };
}
