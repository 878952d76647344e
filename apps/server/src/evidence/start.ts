/**
 * Starts evidence anchoring as configured: on the chain at CHAIN_RPC_URL with the registry at
 * EVIDENCE_CONTRACT, or — with no CHAIN_RPC_URL — on a local Hardhat chain started here with a
 * freshly deployed registry.
 *
 * The chain never holds up the rest of the server: ingest and detection keep storing anomalies
 * and their leaves in the outbox while the chain is unreachable or the local node is still
 * booting, and anchoring starts (and drains the backlog) once it answers. Only a configuration
 * the chain itself proves wrong (no registry at EVIDENCE_CONTRACT) stops the start.
 */
import type { Registry } from 'prom-client';
import type { Config } from '../config';
import type { EventBus } from '../events/bus';
import type { Logger } from '../log';
import type { Database } from '../telemetry/database';
import {
  connectEvidenceChain,
  type EvidenceChain,
  EvidenceChainError,
  startEmbeddedChain,
} from './chain';
import { createEvidence, type Evidence } from './index';

export type RunningEvidence = {
  /** The chain once connected; null while it is unreachable or still starting. */
  chain(): EvidenceChain | null;
  /** Resolves when anchoring has started (never rejects; it retries until stopped). */
  ready: Promise<void>;
  stop(): Promise<void>;
};

/** How long start waits for an external chain's first answer before going on without it. */
const FIRST_ANSWER_MS = 3_000;
const RETRY_MS = { initial: 1_000, max: 10_000 };

type Deps = {
  settings: Config['evidence'];
  database: Database;
  metrics: Registry;
  bus: EventBus;
  log: Logger;
};

/**
 * Connects to (or starts) the chain in the background and then starts the batcher, which first
 * resolves what a previous run left. Resolves at once for the embedded chain; for an external one
 * after its first answer (at most a few seconds).
 *
 * @throws EvidenceChainError when the chain answers and proves the configuration wrong.
 */
export async function startEvidence(deps: Deps): Promise<RunningEvidence> {
  const { settings } = deps;
  const log = deps.log.child({ module: 'evidence' });
  const external =
    settings.rpcUrl !== undefined &&
    settings.contract !== undefined &&
    settings.privateKey !== undefined
      ? { rpcUrl: settings.rpcUrl, registry: settings.contract, privateKey: settings.privateKey }
      : undefined;
  const connect = () =>
    external === undefined
      ? startEmbeddedChain({ port: settings.chainPort })
      : connectEvidenceChain(external);

  let stopped = false;
  let chain: EvidenceChain | null = null;
  let evidence: Evidence | null = null;
  let wake: (() => void) | null = null;

  /** One attempt: connect, reconcile, start. Throws what the attempt met. */
  const attempt = async () => {
    const connected = await connect();
    if (stopped) {
      await connected.close();
      return;
    }
    const started = createEvidence({
      database: deps.database,
      chain: connected,
      log: deps.log,
      metrics: deps.metrics,
      bus: deps.bus,
      batchMs: settings.batchMs,
      batchMax: settings.batchMax,
    });
    try {
      await started.start();
    } catch (error) {
      await connected.close();
      throw error;
    }
    chain = connected;
    evidence = started;
  };

  const keepTrying = async (first: Promise<void>) => {
    let delay = RETRY_MS.initial;
    let pending: Promise<void> | null = first;
    for (;;) {
      try {
        await (pending ?? attempt());
        return;
      } catch (error) {
        if (stopped) return;
        log.warn('chain not usable yet; anomalies wait in the outbox', {
          error,
          retryInMs: delay,
        });
      }
      pending = null;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
      if (stopped) return;
      delay = Math.min(RETRY_MS.max, delay * 2);
    }
  };

  const first = attempt();
  if (external !== undefined) {
    // A registry missing at a chain that answers is a wrong EVIDENCE_CONTRACT: stop the start.
    const outcome = await Promise.race([
      first.then(
        () => null,
        (error: unknown) => error,
      ),
      Bun.sleep(FIRST_ANSWER_MS).then(() => null),
    ]);
    if (outcome instanceof EvidenceChainError && !outcome.unreachable) throw outcome;
  }
  const ready = keepTrying(first);

  return {
    chain: () => chain,
    ready,
    async stop() {
      stopped = true;
      wake?.();
      await Promise.race([ready, Bun.sleep(5_000)]);
      await evidence?.stop();
      await chain?.close();
    },
  };
}
