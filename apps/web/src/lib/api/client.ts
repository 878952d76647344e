import {
  createTRPCClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  type TRPCClient,
} from '@trpc/client';
import type { AppRouter } from '@vigil/server/router';

export type VigilClient = TRPCClient<AppRouter>;

export type VigilClientOptions = {
  /** Absolute URL of the tRPC endpoint; in the browser '/trpc' on the page's origin. */
  url: string;
  /** The fetch to use: SvelteKit's `event.fetch` in server loads (cookies, in-process API). */
  fetch?: typeof fetch;
};

/**
 * A typed client for the Vigil API: subscriptions over server-sent events (the link resumes
 * from the last tracked event id after a reconnect), everything else batched over HTTP.
 */
export function createVigilClient(options: VigilClientOptions): VigilClient {
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({ url: options.url }),
        false: httpBatchLink({
          url: options.url,
          ...(options.fetch ? { fetch: options.fetch } : {}),
        }),
      }),
    ],
  });
}
