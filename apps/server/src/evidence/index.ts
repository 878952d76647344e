/**
 * The evidence module: anomalies' leaves wait in the outbox; a batcher turns them into a Merkle
 * batch every `batchMs` or every `batchMax` leaves, records the batch, sends one anchor
 * transaction, waits for its receipt and records every member's proof. Chain outages only delay
 * it (exponential backoff, nothing lost); a restart resolves whatever batch was in flight.
 */

import { Registry as PromRegistry } from 'prom-client';
import type { Address } from 'viem';
import type { EventBus } from '../events/bus';
import type { Logger } from '../log';
import type { Database } from '../telemetry/database';
import { anchorBatch } from './anchorer';
import type { EvidenceChain } from './chain';
import { createEvidenceMetrics } from './metrics';
import { enqueueEvidence } from './outbox';
import { reconcileRegistry } from './reconcile';
import { createEvidenceStore, type PlannedBatch } from './store';

export { enqueueEvidence } from './outbox';

export type EvidenceOptions = {
  database: Database;
  chain: EvidenceChain;
  log: Logger;
  /** Where the evidence metrics are registered (default: a registry of their own, unexported). */
  metrics?: PromRegistry;
  bus?: EventBus;
  /** Longest a leaf waits for its batch (default 1,000 ms). */
  batchMs?: number;
  /** Most leaves per transaction (default 1,000). */
  batchMax?: number;
  /** Longest pause between retries while the chain is failing (default 15,000 ms). */
  maxBackoffMs?: number;
  /** Called after an anchor transaction was sent, before its receipt is awaited (fault tests). */
  afterSend?: (batchId: number) => Promise<void>;
};

export type Evidence = {
  /** Adds stored anomalies' leaves to the outbox inside their storing transaction. */
  enqueue: typeof enqueueEvidence;
  /** Resolves batches left by a previous run, re-anchors what a reset chain forgot, starts. */
  start(): Promise<void>;
  /** Plans a batch now if one is due, instead of at the next poll. */
  wake(): void;
  /** Stops after the batch in hand (waits at most `timeoutMs`, default 5 s). */
  stop(timeoutMs?: number): Promise<void>;
  /** Leaves not yet anchored. */
  backlog(): Promise<number>;
  readonly registry: { chainId: number; address: Address };
};

/** Creates the evidence service over `chain` (not started). */
export function createEvidence(options: EvidenceOptions): Evidence {
  const { database, chain, bus } = options;
  const log = options.log.child({ module: 'evidence' });
  const batchMs = options.batchMs ?? 1000;
  const batchMax = options.batchMax ?? 1000;
  const maxBackoffMs = options.maxBackoffMs ?? 15_000;
  const pollMs = Math.max(20, Math.min(250, Math.floor(batchMs / 4)));
  const registry = { chainId: chain.chainId, address: chain.registry };
  const store = createEvidenceStore(database, registry);
  const metrics = createEvidenceMetrics(options.metrics ?? new PromRegistry(), () =>
    store.backlog(),
  );

  let running = false;
  let loop: Promise<void> = Promise.resolve();
  let wakeUp: (() => void) | null = null;

  const settle = async (planned: PlannedBatch): Promise<void> => {
    const started = performance.now();
    const confirmation = await anchorBatch(chain, planned, {
      sent: async (txHash) => {
        await store.setTxHash(planned.batch.id, txHash);
        await options.afterSend?.(planned.batch.id);
      },
    });
    const recorded = await store.recordAnchored(planned, confirmation);
    if (!recorded) return;
    metrics.batches.inc();
    metrics.leaves.inc(planned.anomalyIds.length);
    metrics.batchSize.observe(planned.anomalyIds.length);
    metrics.confirmSeconds.observe((Date.now() - planned.batch.createdAt.getTime()) / 1000);
    log.info('batch anchored', {
      batch: planned.batch.id,
      chainBatchId: Number(confirmation.chainBatchId),
      leaves: planned.anomalyIds.length,
      tx: confirmation.txHash,
      block: Number(confirmation.blockNumber),
      ms: Math.round(performance.now() - started),
    });
    if (bus === undefined) return;
    const evidence = {
      status: 'anchored' as const,
      batchId: confirmation.chainBatchId.toString(),
      root: planned.tree.root,
      txHash: confirmation.txHash,
      blockNumber: Number(confirmation.blockNumber),
    };
    planned.anomalyIds.forEach((anomalyId, i) => {
      const deviceId = planned.deviceIds[i] as string;
      bus.publish({ type: 'evidence', anomalyId: anomalyId.toString(), deviceId, evidence });
    });
  };

  /** One unit of work; false when there was nothing to do. */
  const step = async (): Promise<boolean> => {
    const pending = await store.pendingBatch();
    if (pending !== null) {
      await settle(pending);
      return true;
    }
    const planned = await store.planBatch(batchMax, batchMs);
    if (planned === null) return false;
    await settle(planned);
    return true;
  };

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = null;
        resolve();
      }
      wakeUp = done;
    });

  const run = async () => {
    let failures = 0;
    while (running) {
      try {
        const worked = await step();
        failures = 0;
        if (!worked && running) await pause(pollMs);
      } catch (error) {
        failures += 1;
        metrics.errors.inc();
        const delayMs = Math.min(maxBackoffMs, 250 * 2 ** Math.min(failures - 1, 10));
        log.warn('anchoring failed; keeping the batch and retrying', {
          error,
          attempt: failures,
          delayMs,
        });
        if (running) await pause(delayMs);
      }
    }
  };

  return {
    enqueue: enqueueEvidence,
    registry,
    async start() {
      const requeued = await reconcileRegistry(chain, store, log);
      if (requeued > 0) log.warn('re-anchoring anomalies the chain no longer holds', { requeued });
      running = true;
      loop = run();
      log.info('evidence anchoring started', {
        chainId: chain.chainId,
        registry: chain.registry,
        rpc: chain.url,
        embedded: chain.embedded,
      });
    },
    wake() {
      wakeUp?.();
    },
    async stop(timeoutMs = 5000) {
      running = false;
      wakeUp?.();
      await Promise.race([loop, Bun.sleep(timeoutMs)]);
    },
    backlog: async () => (await store.backlog()).leaves,
  };
}
