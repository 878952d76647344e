import { evidenceInput } from '../../../detection/inputs';
import { router, viewerProcedure } from '../trpc';

export const evidenceRouter = router({
  /** An anomaly's evidence: status, batch, root, tx hash, block, leaf and proof. */
  get: viewerProcedure
    .input(evidenceInput)
    .query(({ ctx, input }) => ctx.evidence.detail(input.anomalyId)),
  /**
   * Recomputes the anomaly's leaf from the stored record and raw payload and checks it against
   * the chain now. A mutation only because it may be slow and must never be cached or batched
   * into page loads; it changes nothing.
   */
  verify: viewerProcedure
    .input(evidenceInput)
    .mutation(({ ctx, input }) => ctx.evidence.verify(input.anomalyId)),
});
