import { createVigilClient, type VigilClient } from '#lib/api/client';
import { ExpectedClient } from '#lib/api/expected-client';

/**
 * API clients for a server load: they call the page's own origin through SvelteKit's `fetch`,
 * which forwards the user's cookies and which `handleFetch` routes to the in-process API.
 */
export function serverApi(event: { fetch: typeof fetch; url: URL }): {
  client: VigilClient;
  expected: ExpectedClient;
} {
  const url = new URL('/trpc', event.url).href;
  return {
    client: createVigilClient({ url, fetch: event.fetch }),
    expected: new ExpectedClient({ url, fetch: event.fetch }),
  };
}
