/** Input schemas of the registry's mutations and claim codes, shared by REST and tRPC. */
import { DEVICE_ID_PATTERN } from '@vigil/protocol';
import { z } from 'zod';
import { deviceId, wholeNumber } from '../input-fields';

/**
 * The id of a device being registered: what protocol v1 accepts as a topic level (letters,
 * digits, '_' and '-', at most 64), so every registered device can actually publish.
 */
const newDeviceId = z
  .string()
  .regex(DEVICE_ID_PATTERN, "1-64 letters, digits, '_' or '-', starting with a letter or digit");

const model = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits and . _ - only');
const metadata = z
  .record(z.string(), z.unknown())
  .refine((value) => JSON.stringify(value).length <= 8192, 'at most 8 KiB of JSON');

export const createDeviceInput = z.object({
  id: newDeviceId,
  name: z.string().max(200).optional(),
  model: model.optional(),
  metadata: metadata.optional(),
});
export type CreateDeviceInput = z.output<typeof createDeviceInput>;

export const updateDeviceInput = z.object({
  id: deviceId,
  name: z.string().max(200).optional(),
  model: model.optional(),
  metadata: metadata.optional(),
});
export type UpdateDeviceInput = z.output<typeof updateDeviceInput>;

export const mintClaimCodesInput = z.object({
  model,
  /** How many codes to mint at once (a production batch). */
  count: wholeNumber(1, 1000).optional(),
  /** Lifetime in seconds (default one week, at most a year). */
  ttlS: wholeNumber(60, 366 * 86_400).optional(),
});
export type MintClaimCodesInput = z.output<typeof mintClaimCodesInput>;

export const claimInput = z.object({
  code: z.string().min(16).max(128),
  /** The device's hardware id (e.g. its MAC as a4-cf-12-00-00-01); becomes the device id. */
  hardwareId: newDeviceId,
});
export type ClaimInput = z.output<typeof claimInput>;
