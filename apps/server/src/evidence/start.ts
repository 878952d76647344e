/**
 * Starts evidence anchoring as configured: on the chain at CHAIN_RPC_URL with the registry at
 * EVIDENCE_CONTRACT, or — with no CHAIN_RPC_URL — on a local Hardhat chain started here with a
 * freshly deployed registry.
 */
import type { Registry } from 'prom-client';
import type { Config } from '../config';
import type { EventBus } from '../events/bus';
import type { Logger } from '../log';
import type { Database } from '../telemetry/database';
import { connectEvidenceChain, type EvidenceChain, startEmbeddedChain } from './chain';
import { createEvidence, type Evidence } from './index';

export type RunningEvidence = { evidence: Evidence; chain: EvidenceChain; stop(): Promise<void> };

/** Connects (or starts) the chain, resolves what a previous run left, starts the batcher. */
export async function startEvidence(deps: {
  settings: Config['evidence'];
  database: Database;
  metrics: Registry;
  bus: EventBus;
  log: Logger;
}): Promise<RunningEvidence> {
  const { settings } = deps;
  const chain =
    settings.rpcUrl !== undefined &&
    settings.contract !== undefined &&
    settings.privateKey !== undefined
      ? await connectEvidenceChain({
          rpcUrl: settings.rpcUrl,
          registry: settings.contract,
          privateKey: settings.privateKey,
        })
      : await startEmbeddedChain({ port: settings.chainPort });
  const evidence = createEvidence({
    database: deps.database,
    chain,
    log: deps.log,
    metrics: deps.metrics,
    bus: deps.bus,
    batchMs: settings.batchMs,
    batchMax: settings.batchMax,
  });
  try {
    await evidence.start();
  } catch (error) {
    await chain.close();
    throw error;
  }
  return {
    evidence,
    chain,
    async stop() {
      await evidence.stop();
      await chain.close();
    },
  };
}
