import { redirect } from '@sveltejs/kit';
import { isTRPCClientError } from '@trpc/client';
import type { Principal } from '#lib/api/types';
import { serverApi } from '#lib/server/api';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async (event) => {
  const { client } = serverApi(event);
  // Asked in the same batch as the session, before the page's data is read: the live stream
  // starts after this event, so nothing published while the page loads and hydrates is lost.
  // Null (live from the moment it connects) when nobody is signed in.
  const cursor = client.events.cursor.query().then(
    (answer) => answer.lastEventId,
    () => null,
  );
  let session: Principal | null = null;
  try {
    session = await client.auth.me.query();
  } catch (cause) {
    if (!(isTRPCClientError(cause) && cause.data?.code === 'UNAUTHORIZED')) throw cause;
  }
  if (session === null && event.url.pathname !== '/sign-in') {
    redirect(303, `/sign-in?next=${encodeURIComponent(event.url.pathname + event.url.search)}`);
  }
  return { session, cursor: session === null ? null : await cursor };
};
