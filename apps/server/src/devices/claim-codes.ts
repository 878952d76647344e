/**
 * One-time claim codes: an admin mints codes for a model; a device presents one with its hardware
 * id and receives its broker credentials, once. Redeeming marks the code used in the same
 * transaction that creates the device, so two devices racing for one code cannot both win.
 */
import { and, eq, gt, isNull } from 'drizzle-orm';
import { ConflictError } from '../auth/errors';
import { randomSecret, sha256Hex } from '../auth/secrets';
import { InvalidInputError } from '../errors';
import type { Database } from '../telemetry/database';
import { ClaimCodes } from './credentials-schema';
import type { DeviceRegistry, IssuedCredentials } from './registry';
import type { ClaimInput, MintClaimCodesInput } from './registry-inputs';

/** Default lifetime of a claim code: one week. */
export const DEFAULT_CLAIM_TTL_S = 7 * 86_400;

/** A code that cannot be redeemed (used, expired or unknown); HTTP 400 with the reason. */
export class ClaimRefusedError extends InvalidInputError {
  constructor(reason: 'unknown' | 'used' | 'expired') {
    super(
      reason === 'used'
        ? 'claim code has already been used'
        : reason === 'expired'
          ? 'claim code has expired'
          : 'claim code is not valid',
    );
    this.name = 'ClaimRefusedError';
  }
}

/** Mints codes; the returned values are the only time they are seen. */
export async function mintClaimCodes(
  database: Database,
  input: MintClaimCodesInput & { createdBy?: string | null },
  now = new Date(),
): Promise<{ model: string; expiresAt: string; codes: string[] }> {
  const expiresAt = new Date(now.getTime() + (input.ttlS ?? DEFAULT_CLAIM_TTL_S) * 1000);
  const codes = Array.from({ length: input.count ?? 1 }, () => randomSecret(24));
  await database.db.insert(ClaimCodes).values(
    codes.map((code) => ({
      codeHash: sha256Hex(code),
      model: input.model,
      createdBy: input.createdBy ?? null,
      createdAt: now,
      expiresAt,
    })),
  );
  return { model: input.model, expiresAt: expiresAt.toISOString(), codes };
}

/**
 * Redeems a code for the device `hardwareId`: creates it with the code's model and returns its
 * credentials. Throws ClaimRefusedError for unknown, used or expired codes and ConflictError when
 * the hardware id is already registered (the code stays unused then).
 */
export async function redeemClaimCode(
  database: Database,
  registry: DeviceRegistry,
  input: ClaimInput,
  now = new Date(),
): Promise<IssuedCredentials & { model: string }> {
  const codeHash = sha256Hex(input.code);
  return database.transaction(async (tx) => {
    const [taken] = await tx
      .update(ClaimCodes)
      .set({ usedAt: now, usedBy: input.hardwareId })
      .where(
        and(
          eq(ClaimCodes.codeHash, codeHash),
          isNull(ClaimCodes.usedAt),
          gt(ClaimCodes.expiresAt, now),
        ),
      )
      .returning({ model: ClaimCodes.model });
    if (taken === undefined) {
      const [row] = await tx.select().from(ClaimCodes).where(eq(ClaimCodes.codeHash, codeHash));
      throw new ClaimRefusedError(
        row === undefined ? 'unknown' : row.usedAt !== null ? 'used' : 'expired',
      );
    }
    try {
      const issued = await registry.createIn(tx, { id: input.hardwareId, model: taken.model });
      return { ...issued, model: taken.model };
    } catch (error) {
      if (error instanceof ConflictError) {
        throw new ConflictError(`device '${input.hardwareId}' is already registered`);
      }
      throw error;
    }
  });
}
