import { z } from 'zod';
import { ROLES } from '../../../auth/roles';
import { createApiToken, listApiTokens, revokeApiToken } from '../../../auth/tokens';
import { createUser, listUsers, passwordField, usernameField } from '../../../auth/users';
import { deviceId } from '../../../input-fields';
import { adminProcedure, router, viewerProcedure } from '../trpc';

export const authRouter = router({
  /** Who the caller is: user or token, its role, and its device scope if any. */
  me: viewerProcedure.query(({ ctx }) => ctx.principal()),
  /** API tokens, without their values. */
  tokens: adminProcedure.query(({ ctx }) => listApiTokens(ctx.database)),
  /** Creates an API token for a role (and optionally one device); the value is shown this once. */
  createToken: adminProcedure
    .input(
      z.object({
        name: z.string().min(1).max(100),
        role: z.enum(ROLES),
        deviceId: deviceId.optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const creator = await ctx.principal();
      return createApiToken(ctx.database, {
        name: input.name,
        role: input.role,
        deviceId: input.deviceId ?? null,
        createdBy: creator?.kind === 'user' ? creator.id : null,
      });
    }),
  /** Revokes a token; it stops working with the next request. */
  revokeToken: adminProcedure
    .input(z.object({ tokenId: z.string().min(1).max(64) }))
    .mutation(async ({ ctx, input }) => {
      await revokeApiToken(ctx.database, input.tokenId);
      return { ok: true as const };
    }),
  /** All users. */
  users: adminProcedure.query(({ ctx }) => listUsers(ctx.database)),
  /** Creates a user with a role. */
  createUser: adminProcedure
    .input(z.object({ username: usernameField, password: passwordField, role: z.enum(ROLES) }))
    .mutation(({ ctx, input }) => createUser(ctx.database, input)),
});
