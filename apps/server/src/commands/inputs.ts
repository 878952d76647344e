/** Input schemas of the command procedures (tRPC) and the CLI's requests. */
import { z } from 'zod';
import { deviceId, wholeNumber } from '../input-fields';
import { TTL_LIMITS } from './service';

export const catalogueInput = z.object({ deviceId });

export const sendCommandInput = z.object({
  deviceId,
  name: z.string().min(1).max(32),
  /** Checked against the device model's catalogue by the service. */
  params: z.record(z.string(), z.unknown()).default({}),
  ttlMs: wholeNumber(TTL_LIMITS.minMs, TTL_LIMITS.maxMs).optional(),
});

export const listCommandsInput = z.object({
  deviceId,
  limit: wholeNumber(1, 500).default(50),
  /** Page cursor: commands older than this id (the last id of the previous page). */
  before: z.string().min(1).max(64).optional(),
});

export const commandIdInput = z.object({ id: z.string().min(1).max(64) });
