import { anomalyIdInput, anomalyListInput } from '../../../detection/inputs';
import { operatorProcedure, router, viewerProcedure } from '../trpc';

export const anomaliesRouter = router({
  /** Anomalies newest first, optionally one device's; page with `before: nextBefore`. */
  list: viewerProcedure
    .input(anomalyListInput.optional())
    .query(({ ctx, input }) => ctx.anomalies.list(input ?? {})),
  /** One anomaly with its features and evidence status; NOT_FOUND when there is none. */
  get: viewerProcedure.input(anomalyIdInput).query(({ ctx, input }) => ctx.anomalies.get(input.id)),
  /** Marks an anomaly as seen (the first acknowledgement's time is kept). */
  acknowledge: operatorProcedure.input(anomalyIdInput).mutation(async ({ ctx, input }) => {
    const acknowledged = await ctx.anomalies.acknowledge(input.id);
    ctx.bus.publish({
      type: 'anomaly_acknowledged',
      anomalyId: acknowledged.id,
      deviceId: acknowledged.deviceId,
    });
    return { id: acknowledged.id, acknowledgedAt: acknowledged.acknowledgedAt };
  }),
});
