import { ifOffered } from '#lib/api/expected-client';
import { serverApi } from '#lib/server/api';
import type { PageServerLoad } from './$types';

const PAGE_SIZE = 100;

export const load: PageServerLoad = async (event) => {
  const { expected } = serverApi(event);
  const before = event.url.searchParams.get('before') ?? undefined;
  const page = await ifOffered(
    expected.query('anomalies.list', { limit: PAGE_SIZE, ...(before ? { before } : {}) }),
    { anomalies: [], nextBefore: null },
  );
  return { ...page.value, missing: page.missing };
};
