import { deadLetterQueryInput } from '../../../telemetry/inputs';
import { router, viewerProcedure } from '../trpc';

export const deadLettersRouter = router({
  /** Rejected messages, newest first, one page at a time. */
  list: viewerProcedure
    .input(deadLetterQueryInput.optional())
    .query(({ ctx, input }) => ctx.telemetry.deadLetters(input ?? {})),
});
