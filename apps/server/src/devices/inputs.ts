/** Input schemas of the device queries, shared by the REST routes and the tRPC procedures. */
import { z } from 'zod';
import { deviceId, wholeNumber } from '../input-fields';

export const deviceListInput = z.object({
  /** Page cursor: only devices whose id sorts after this (pass the previous page's nextAfter). */
  after: z.string().min(1).max(128).optional(),
  limit: wholeNumber(1, 5000).optional(),
});
export type DeviceListQuery = z.output<typeof deviceListInput>;

export const deviceIdInput = z.object({ id: deviceId });
