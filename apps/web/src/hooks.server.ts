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
  const api = event.platform?.api;
  return api ? api(request) : globalThis.fetch(request);
};
