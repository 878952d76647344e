/**
 * Evidence anchoring state. The outbox holds every anomaly's leaf until a batch holding it is
 * anchored; a batch row is written (root and members) BEFORE its transaction is sent, so a crash
 * at any point can be resolved by asking the contract whether the root is on chain. Proofs keep,
 * per anomaly and batch, what anyone needs to verify the leaf against the chain.
 */
import type { InferSelectModel } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
} from 'drizzle-orm/pg-core';
import { Anomalies } from '../detection/schema';
import { bytea } from '../telemetry/bytea';

/** pending: recorded, maybe sent, outcome unknown; anchored: on chain; lost: the chain forgot it. */
export const BATCH_STATUSES = ['pending', 'anchored', 'lost'] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

export const EvidenceBatches = pgTable(
  'evidence_batches',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    chainId: integer('chain_id').notNull(),
    /** The EvidenceRegistry address, lower-case hex. */
    contractAddress: text('contract_address').notNull(),
    root: bytea('root').notNull(),
    leafCount: integer('leaf_count').notNull(),
    metaHash: bytea('meta_hash').notNull(),
    status: text('status').$type<BatchStatus>().notNull().default('pending'),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull(),
    /** The last anchor transaction sent for this batch (set before waiting for its receipt). */
    txHash: text('tx_hash'),
    /** The contract's id for the batch, once anchored. */
    chainBatchId: bigint('chain_batch_id', { mode: 'number' }),
    blockNumber: bigint('block_number', { mode: 'number' }),
    anchoredAt: timestamp('anchored_at', { withTimezone: true, precision: 3 }),
  },
  (table) => [
    unique('evidence_batches_registry_root_key').on(
      table.chainId,
      table.contractAddress,
      table.root,
    ),
    index('evidence_batches_status_idx').on(table.status),
  ],
);

export const EvidenceOutbox = pgTable(
  'evidence_outbox',
  {
    anomalyId: bigint('anomaly_id', { mode: 'bigint' })
      .primaryKey()
      .references(() => Anomalies.id, { onDelete: 'cascade' }),
    leaf: bytea('leaf').notNull(),
    enqueuedAt: timestamp('enqueued_at', { withTimezone: true, precision: 3 }).notNull(),
    /** The pending batch this leaf was assigned to; null while waiting for one. */
    batchId: bigint('batch_id', { mode: 'number' }).references(() => EvidenceBatches.id),
  },
  (table) => [index('evidence_outbox_batch_idx').on(table.batchId, table.anomalyId)],
);

export const EvidenceProofs = pgTable(
  'evidence_proofs',
  {
    // No foreign key to anomalies: a deleted anomaly must leave its proof behind, so the audit
    // can name it MISSING instead of the evidence vanishing with it.
    anomalyId: bigint('anomaly_id', { mode: 'bigint' }).notNull(),
    batchId: bigint('batch_id', { mode: 'number' })
      .notNull()
      .references(() => EvidenceBatches.id),
    /** The leaf as anchored. */
    leaf: bytea('leaf').notNull(),
    /** Sibling hashes from the leaf up to the root, 0x-hex. */
    proof: jsonb('proof').$type<string[]>().notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.anomalyId, table.batchId] }),
    index('evidence_proofs_batch_idx').on(table.batchId),
  ],
);

export type EvidenceBatch = InferSelectModel<typeof EvidenceBatches>;
export type EvidenceProof = InferSelectModel<typeof EvidenceProofs>;
