import type { HandleFetch } from '@sveltejs/kit/hooks';
import { isApiPath } from '#lib/api/paths';

/**
 * Server-side loads call the API at the page's own origin. SvelteKit would answer such a
 * same-origin request itself (and 404, /trpc is not one of its routes), so API requests are
 * handed to the in-process API when mounted inside the Vigil server, or sent over the network
 * otherwise (under `vite dev` the dev server proxies /trpc to the API).
 */
export const handleFetch: HandleFetch = async ({ event, request, fetch }) => {
  const url = new URL(request.url);
  if (url.origin !== event.url.origin || !isApiPath(url.pathname)) return fetch(request);
  // Bypassing SvelteKit's fetch skips its credential forwarding, so forward them here.
  const forwarded = new Request(request);
  const cookie = event.request.headers.get('cookie');
  if (cookie && !forwarded.headers.has('cookie')) forwarded.headers.set('cookie', cookie);
  const authorization = event.request.headers.get('authorization');
  if (authorization && !forwarded.headers.has('authorization')) {
    forwarded.headers.set('authorization', authorization);
  }
  const api = event.platform?.api;
  return api ? api(forwarded) : globalThis.fetch(forwarded);
};
