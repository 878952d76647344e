import { mintClaimCodes } from '../../../devices/claim-codes';
import { getDeviceState, listDeviceStates } from '../../../devices/device-state';
import { deviceIdInput, deviceListInput } from '../../../devices/inputs';
import { getDevice, listDevices } from '../../../devices/queries';
import {
  createDeviceInput,
  mintClaimCodesInput,
  updateDeviceInput,
} from '../../../devices/registry-inputs';
import { adminProcedure, operatorProcedure, router, viewerProcedure } from '../trpc';

export const devicesRouter = router({
  /** Registered devices ordered by id, one page at a time. */
  list: viewerProcedure
    .input(deviceListInput.optional())
    .query(({ ctx, input }) => listDevices(ctx.database, input ?? {})),
  /** One device by id; NOT_FOUND when it is not registered. */
  byId: viewerProcedure
    .input(deviceIdInput)
    .query(({ ctx, input }) => getDevice(ctx.database, input.id)),
  /** Last reported state (online, firmware, RSSI, uptime, last seen) of one device. */
  state: viewerProcedure
    .input(deviceIdInput)
    .query(({ ctx, input }) => getDeviceState(ctx.database, input.id)),
  /** The state of every device that has reported one. */
  states: viewerProcedure.query(({ ctx }) => listDeviceStates(ctx.database)),
  /** Registers a device; the answer holds its MQTT username and secret, shown this once. */
  create: adminProcedure
    .input(createDeviceInput)
    .mutation(({ ctx, input }) => ctx.registry.create(input)),
  /** Renames a device or changes its model or metadata. */
  update: operatorProcedure
    .input(updateDeviceInput)
    .mutation(({ ctx, input }) => ctx.registry.update(input)),
  /** Deletes a device and its credentials; its readings stay. */
  remove: adminProcedure.input(deviceIdInput).mutation(async ({ ctx, input }) => {
    await ctx.registry.remove(input.id);
    return { ok: true as const };
  }),
  /** Issues a new secret (shown this once); the old one stops working at once. */
  rotateSecret: adminProcedure
    .input(deviceIdInput)
    .mutation(({ ctx, input }) => ctx.registry.rotateSecret(input.id)),
  /** Disconnects the device and refuses its next connect until its secret is rotated. */
  revoke: adminProcedure.input(deviceIdInput).mutation(async ({ ctx, input }) => {
    await ctx.registry.revoke(input.id);
    return { ok: true as const };
  }),
  /** Mints one-time claim codes for a model (shown this once). */
  mintClaimCodes: adminProcedure
    .input(mintClaimCodesInput)
    .mutation(async ({ ctx, input }) =>
      mintClaimCodes(ctx.database, { ...input, createdBy: (await ctx.principal())?.name ?? null }),
    ),
});
