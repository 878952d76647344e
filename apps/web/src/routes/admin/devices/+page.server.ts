import { error } from '@sveltejs/kit';
import { serverApi } from '#lib/server/api';
import type { PageServerLoad } from './$types';

const PAGE_SIZE = 200;

export const load: PageServerLoad = async (event) => {
  const { session } = await event.parent();
  if (session?.role !== 'admin') error(403, 'Only admins manage devices');
  const { client } = serverApi(event);
  const after = event.url.searchParams.get('after') ?? undefined;
  return client.devices.list.query({ limit: PAGE_SIZE, ...(after ? { after } : {}) });
};
