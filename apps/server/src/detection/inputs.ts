/** Input schemas of the anomaly queries, shared by the REST routes and the tRPC procedures. */
import { z } from 'zod';
import { deviceId, wholeNumber } from '../input-fields';

/** An anomaly id: a positive whole number, given as digits (ids are 64-bit). */
export const anomalyId = z
  .union([
    z.string().regex(/^[1-9]\d{0,18}$/, 'must be a positive whole number'),
    z.number().int().positive(),
  ])
  .transform((value) => BigInt(value));

export const anomalyListInput = z.object({
  deviceId: deviceId.optional(),
  /** Page cursor: only anomalies with an id below this (the previous page's nextBefore). */
  before: anomalyId.optional(),
  limit: wholeNumber(1, 500).optional(),
});
export type AnomalyListQuery = z.output<typeof anomalyListInput>;

export const anomalyIdInput = z.object({ id: anomalyId });
export const evidenceInput = z.object({ anomalyId });
