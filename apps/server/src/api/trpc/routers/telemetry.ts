import { latestQueryInput, telemetryQueryInput } from '../../../telemetry/inputs';
import { router, viewerProcedure } from '../trpc';

export const telemetryRouter = router({
  /** Raw readings (newest first) or, with `bucket`, per-bucket min/max/avg/count of a metric. */
  query: viewerProcedure
    .input(telemetryQueryInput)
    .query(({ ctx, input }) => ctx.telemetry.telemetry(input)),
  /** The newest reading of every device that has one (or of `deviceIds`), by device id. */
  latest: viewerProcedure
    .input(latestQueryInput)
    .query(({ ctx, input }) => ctx.telemetry.latest(input)),
});
