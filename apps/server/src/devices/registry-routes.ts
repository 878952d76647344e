/**
 * REST edge of the registry's writes and of claiming: admins create, rotate, revoke and delete
 * devices and mint claim codes; operators rename; a device redeems a claim code (public, limited
 * per client address). Device reads (GET /devices...) live with the other read routes.
 */
import { Elysia } from 'elysia';
import { parseInput } from '../api/parse-input';
import type { Authenticator } from '../auth/authenticator';
import { authContext, clientAddress, requireRole } from '../auth/elysia-access';
import { jsonBody, SMALL_JSON_LIMIT } from '../auth/json-body';
import { createRateLimiter } from '../auth/rate-limit';
import type { Database } from '../telemetry/database';
import { mintClaimCodes, redeemClaimCode } from './claim-codes';
import { deviceIdInput } from './inputs';
import type { DeviceRegistry } from './registry';
import {
  claimInput,
  createDeviceInput,
  mintClaimCodesInput,
  updateDeviceInput,
} from './registry-inputs';

/** Claim attempts per client address per minute: plenty for a factory line, slow for guessing. */
export const CLAIM_ATTEMPTS = { limit: 30, windowMs: 60_000 };

export type RegistryRouteDeps = {
  database: Database;
  registry: DeviceRegistry;
  authenticator: Authenticator;
  claimLimits?: { limit: number; windowMs: number };
};

/** The registry's write routes and POST /claim. */
export function registryRoutes(deps: RegistryRouteDeps) {
  const { database, registry } = deps;
  const parse = jsonBody(SMALL_JSON_LIMIT);
  const claimLimiter = createRateLimiter(deps.claimLimits ?? CLAIM_ATTEMPTS);
  return new Elysia({ name: 'vigil-registry-routes' })
    .use(authContext(deps.authenticator))
    .post(
      '/devices',
      async ({ body, set }) => {
        const created = await registry.create(parseInput(createDeviceInput, body));
        set.status = 201;
        return created;
      },
      { parse, beforeHandle: requireRole('admin') },
    )
    .patch(
      '/devices/:id',
      ({ body, params }) =>
        registry.update(parseInput(updateDeviceInput, { ...(body as object), id: params.id })),
      { parse, beforeHandle: requireRole('operator') },
    )
    .delete(
      '/devices/:id',
      async ({ params, set }) => {
        await registry.remove(parseInput(deviceIdInput, params).id);
        set.status = 204;
      },
      { beforeHandle: requireRole('admin') },
    )
    .post(
      '/devices/:id/rotate-secret',
      ({ params }) => registry.rotateSecret(parseInput(deviceIdInput, params).id),
      { parse, beforeHandle: requireRole('admin') },
    )
    .post(
      '/devices/:id/revoke',
      async ({ params }) => {
        await registry.revoke(parseInput(deviceIdInput, params).id);
        return { ok: true };
      },
      { parse, beforeHandle: requireRole('admin') },
    )
    .post(
      '/claim-codes',
      async ({ body, principal, set }) => {
        const creator = await principal();
        set.status = 201;
        return mintClaimCodes(database, {
          ...parseInput(mintClaimCodesInput, body),
          createdBy: creator?.name ?? null,
        });
      },
      { parse, beforeHandle: requireRole('admin') },
    )
    .post(
      '/claim',
      async ({ body, request, server, set }) => {
        claimLimiter.hit(clientAddress(server, request));
        const issued = await redeemClaimCode(database, registry, parseInput(claimInput, body));
        set.status = 201;
        return issued;
      },
      { parse, beforeHandle: requireRole('public') },
    );
}
