import {
  createTRPCUntypedClient,
  httpBatchLink,
  isTRPCClientError,
  type TRPCUntypedClient,
} from '@trpc/client';
import type { AnyRouter } from '@trpc/server';
import type { ExpectedQueries } from './expected';

/** The server answered that it has no such procedure (yet). */
export class NotOfferedError extends Error {
  constructor(readonly path: string) {
    super(`this server does not offer '${path}' yet`);
    this.name = 'NotOfferedError';
  }
}

/**
 * Calls the procedures listed in `expected.ts` by name. A procedure the server does not have
 * becomes NotOfferedError, so a page can say what is missing instead of failing whole.
 */
export class ExpectedClient {
  readonly #client: TRPCUntypedClient<AnyRouter>;

  constructor(options: { url: string; fetch?: typeof fetch }) {
    this.#client = createTRPCUntypedClient({
      links: [
        httpBatchLink({ url: options.url, ...(options.fetch ? { fetch: options.fetch } : {}) }),
      ],
    });
  }

  /** Runs an expected query. */
  query<P extends keyof ExpectedQueries>(
    path: P,
    input: ExpectedQueries[P][0],
  ): Promise<ExpectedQueries[P][1]> {
    return this.#call(path, () => this.#client.query(path, input));
  }

  async #call<T>(path: string, run: () => Promise<unknown>): Promise<T> {
    try {
      return (await run()) as T;
    } catch (error) {
      if (
        isTRPCClientError(error) &&
        error.data?.code === 'NOT_FOUND' &&
        isNoSuchProcedure(error.message)
      ) {
        throw new NotOfferedError(path);
      }
      throw error;
    }
  }
}

/** tRPC's own message for an unknown path, as opposed to a procedure's NOT_FOUND error. */
function isNoSuchProcedure(message: string): boolean {
  return (
    message.startsWith('No procedure found') ||
    message.startsWith('No "query"-procedure') ||
    message.startsWith('No "mutation"-procedure')
  );
}

/**
 * Runs an expected call, returning `fallback` when the server does not offer it, so optional
 * panels render empty with a note instead of erroring the page.
 */
export async function ifOffered<T>(
  call: Promise<T>,
  fallback: T,
): Promise<{ value: T; missing: string | null }> {
  try {
    return { value: await call, missing: null };
  } catch (error) {
    if (error instanceof NotOfferedError) return { value: fallback, missing: error.path };
    throw error;
  }
}
