import { redirect } from '@sveltejs/kit';
import { ifOffered } from '#lib/api/expected-client';
import { serverApi } from '#lib/server/api';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async (event) => {
  const { expected } = serverApi(event);
  const me = await ifOffered(expected.query('auth.me', undefined), null);
  const authEnabled = me.missing === null;
  if (authEnabled && me.value === null && event.url.pathname !== '/sign-in') {
    redirect(303, `/sign-in?next=${encodeURIComponent(event.url.pathname + event.url.search)}`);
  }
  return { session: me.value, authEnabled };
};
