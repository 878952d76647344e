import { deviceIdInput, deviceListInput } from '../../../devices/inputs';
import { getDevice, listDevices } from '../../../devices/queries';
import { publicProcedure, router } from '../trpc';

export const devicesRouter = router({
  /** Registered devices ordered by id, one page at a time. */
  list: publicProcedure
    .input(deviceListInput.optional())
    .query(({ ctx, input }) => listDevices(ctx.database, input ?? {})),
  /** One device by id; NOT_FOUND when it is not registered. */
  byId: publicProcedure
    .input(deviceIdInput)
    .query(({ ctx, input }) => getDevice(ctx.database, input.id)),
});
