import { tracked } from '@trpc/server';
import { z } from 'zod';
import { EVENT_TYPES, type VigilEvent } from '../../../events/bus';
import { streamEvents } from '../../../events/stream';
import { deviceId } from '../../../input-fields';
import { router, viewerProcedure } from '../trpc';

const liveInput = z
  .object({
    /** Only events about this device. */
    deviceId: deviceId.optional(),
    /** Only events of these types. */
    types: z.array(z.enum(EVENT_TYPES)).optional(),
    /** Set by the client link on reconnect: resume after this event. */
    lastEventId: z.string().regex(/^\d+$/).nullish(),
  })
  .optional();

/** Sent when events were missed; the client should refetch what it shows. */
export type ResyncNotice = { type: 'resync'; reason: 'history_evicted' | 'client_too_slow' };

export const eventsRouter = router({
  /**
   * The id of the newest event. A page reads it before loading what it shows and subscribes to
   * `live` with it as `lastEventId`, so nothing published in between is lost.
   */
  cursor: viewerProcedure.query(({ ctx }) => ({ lastEventId: String(ctx.bus.lastId()) })),
  /**
   * Live events over SSE. Each event is tracked by its bus id, so a reconnecting client resumes
   * where it stopped; a `resync` notice says events were missed.
   */
  live: viewerProcedure.input(liveInput).subscription(async function* ({ ctx, input, signal }) {
    const filter = (event: VigilEvent) =>
      (input?.deviceId === undefined || event.deviceId === input.deviceId) &&
      (input?.types === undefined || input.types.includes(event.type));
    const afterId = input?.lastEventId == null ? undefined : Number(input.lastEventId);
    for await (const item of streamEvents(ctx.bus, { afterId, filter, signal })) {
      if (item.kind === 'resync') {
        yield { type: 'resync', reason: item.reason } satisfies ResyncNotice;
      } else {
        yield tracked(String(item.id), item.event);
      }
    }
  }),
});
