/**
 * Where the audit tasks read from: DATABASE_URL (Vigil's PostgreSQL) and CHAIN_RPC_URL (the chain
 * the evidence was anchored on; for the embedded chain, the URL the server logged at start).
 * Only these two variables, read here, once per task run.
 */
import { SQL } from 'bun';
import { createPublicClient, http } from 'viem';
import type { AuditChain } from '../src/audit';

/** A misconfigured audit run: exit code 2, distinct from findings (1). */
export class AuditSetupError extends Error {
  override readonly name = 'AuditSetupError';
}

export type AuditEnv = { db: SQL; chain: AuditChain; close(): Promise<void> };

/** Opens the database and the chain named by the environment. */
export async function openAuditEnv(env = process.env): Promise<AuditEnv> {
  const databaseUrl = env.DATABASE_URL;
  const rpcUrl = env.CHAIN_RPC_URL;
  if (!databaseUrl) throw new AuditSetupError('DATABASE_URL must name the Vigil database');
  if (!rpcUrl)
    throw new AuditSetupError('CHAIN_RPC_URL must name the chain evidence is anchored on');
  const publicClient = createPublicClient({ transport: http(rpcUrl, { timeout: 15_000 }) });
  const chainId = await publicClient.getChainId().catch((error: Error) => {
    throw new AuditSetupError(`chain at CHAIN_RPC_URL does not answer: ${error.message}`);
  });
  const db = new SQL(databaseUrl, { max: 2 });
  return { db, chain: { publicClient, chainId }, close: () => db.close() };
}

/** Parses --from/--to: RFC 3339 or epoch milliseconds; '' means unset. */
export function parseInstant(value: string, option: string): Date | undefined {
  if (value === '') return undefined;
  const date = /^\d+$/.test(value) ? new Date(Number(value)) : new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new AuditSetupError(
      `--${option} must be an RFC 3339 time or epoch milliseconds, got '${value}'`,
    );
  }
  return date;
}
