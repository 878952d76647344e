import { deadLetterQueryInput } from '../../../telemetry/inputs';
import { publicProcedure, router } from '../trpc';

export const deadLettersRouter = router({
  /** Rejected messages, newest first, one page at a time. */
  list: publicProcedure
    .input(deadLetterQueryInput.optional())
    .query(({ ctx, input }) => ctx.telemetry.deadLetters(input ?? {})),
});
