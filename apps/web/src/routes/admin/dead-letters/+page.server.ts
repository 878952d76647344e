import { error } from '@sveltejs/kit';
import { isTRPCClientError } from '@trpc/client';
import { serverApi } from '#lib/server/api';
import type { PageServerLoad } from './$types';

const PAGE_SIZE = 100;

export const load: PageServerLoad = async (event) => {
  const { client } = serverApi(event);
  const reason = event.url.searchParams.get('reason')?.trim() || undefined;
  const deviceId = event.url.searchParams.get('device')?.trim() || undefined;
  const before = event.url.searchParams.get('before') ?? undefined;
  try {
    const page = await client.deadLetters.list.query({
      limit: PAGE_SIZE,
      ...(reason ? { reason } : {}),
      ...(deviceId ? { deviceId } : {}),
      ...(before ? { before } : {}),
    });
    return { ...page, reason: reason ?? '', deviceId: deviceId ?? '' };
  } catch (cause) {
    if (isTRPCClientError(cause) && cause.data?.code === 'BAD_REQUEST') error(400, cause.message);
    throw cause;
  }
};
