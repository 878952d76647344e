import { redirect } from '@sveltejs/kit';
import { isTRPCClientError } from '@trpc/client';
import type { Session } from '#lib/api/expected';
import { NotOfferedError } from '#lib/api/expected-client';
import { serverApi } from '#lib/server/api';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async (event) => {
  const { expected } = serverApi(event);
  let session: Session = null;
  let authEnabled = true;
  try {
    session = await expected.query('auth.me', undefined);
  } catch (cause) {
    if (cause instanceof NotOfferedError) authEnabled = false;
    else if (!(isTRPCClientError(cause) && cause.data?.code === 'UNAUTHORIZED')) throw cause;
  }
  if (authEnabled && session === null && event.url.pathname !== '/sign-in') {
    redirect(303, `/sign-in?next=${encodeURIComponent(event.url.pathname + event.url.search)}`);
  }
  return { session, authEnabled };
};
