import { serverApi } from '#lib/server/api';
import type { PageServerLoad } from './$types';

const PAGE_SIZE = 100;

export const load: PageServerLoad = async (event) => {
  const { client } = serverApi(event);
  const before = event.url.searchParams.get('before') ?? undefined;
  return client.anomalies.list.query({ limit: PAGE_SIZE, ...(before ? { before } : {}) });
};
