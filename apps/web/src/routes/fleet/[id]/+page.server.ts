import { error } from '@sveltejs/kit';
import { isTRPCClientError } from '@trpc/client';
import { serverApi } from '#lib/server/api';
import type { PageServerLoad } from './$types';
import { LIVE_WINDOW_MS } from './live-window';

/** A device that never published on its state topic has no state: show none, not an error. */
function noStateYet(cause: unknown): null {
  if (isTRPCClientError(cause) && cause.data?.code === 'NOT_FOUND') return null;
  throw cause;
}

export const load: PageServerLoad = async (event) => {
  const { client } = serverApi(event);
  const id = event.params.id;
  try {
    const [device, recent, state, anomalies, catalogue, commands] = await Promise.all([
      client.devices.byId.query({ id }),
      client.telemetry.query.query({
        deviceId: id,
        from: Date.now() - LIVE_WINDOW_MS,
        limit: 2000,
      }),
      client.devices.state.query({ id }).catch(noStateYet),
      client.anomalies.list.query({ deviceId: id, limit: 50 }),
      client.commands.catalogue.query({ deviceId: id }),
      client.commands.list.query({ deviceId: id, limit: 20 }),
    ]);
    const readings =
      recent.kind === 'raw'
        ? recent.readings.map((r) => ({ ts: Date.parse(r.ts), metrics: r.metrics }))
        : [];
    return {
      device,
      readings,
      state,
      anomalies: anomalies.anomalies,
      catalogue: catalogue.commands,
      commands,
    };
  } catch (cause) {
    if (isTRPCClientError(cause) && cause.data?.code === 'NOT_FOUND') {
      error(404, `No device '${id}' is registered`);
    }
    throw cause;
  }
};
