/**
 * What the evidence audit reads from Vigil's database, with plain SQL of its own: the auditor
 * does not run the server's code, only this package's leaf encoding against the stored rows.
 * Every number is read as text and converted here, so no driver rounding can hide an edit.
 */
import type { SQL } from 'bun';
import type { Address, Hex } from 'viem';
import type { EvidenceRecord } from './evidence-leaf';

/** One anomaly as stored, with the evidence the database holds for it. */
export type StoredAnomaly = {
  anomalyId: bigint;
  /** Null when the anomaly row is gone but a proof still names it. */
  record: EvidenceRecord | null;
  /** The payload SHA-256 recorded beside the raw bytes, and the one in `readings`, hex. */
  recordedPayloadSha256: string | null;
  readingPayloadSha256: string | null;
  /** The SHA-256 of the stored raw bytes, hex. */
  payloadSha256: string | null;
  waiting: boolean;
  anchored: null | {
    chainId: number;
    contract: Address;
    chainBatchId: bigint;
    root: Hex;
    leaf: Hex;
    proof: Hex[];
  };
};

/** Which anomalies to read: one by id, or those detected in [from, to). */
export type AuditScope = { anomalyId: bigint } | { from?: Date; to?: Date };

type Row = {
  anomaly_id: string;
  present: boolean;
  device_id: string | null;
  reading_ts_ms: string | null;
  reading_boot: string | null;
  reading_seq: string | null;
  detected_at_ms: string | null;
  type: string | null;
  severity: string | null;
  score: string | null;
  threshold: string | null;
  model_sha256: string | null;
  payload_sha256: string | null;
  recorded_sha256: string | null;
  reading_sha256: string | null;
  waiting: boolean;
  chain_id: number | null;
  contract_address: string | null;
  chain_batch_id: string | null;
  root: string | null;
  leaf: string | null;
  proof: string | null;
};

/** Reads the anomalies in `scope` (and, for a range, proofs whose anomaly row is gone). */
export async function readStoredAnomalies(db: SQL, scope: AuditScope): Promise<StoredAnomaly[]> {
  const byId = 'anomalyId' in scope;
  const id = byId ? scope.anomalyId.toString() : null;
  const from = !byId && scope.from ? scope.from.toISOString() : null;
  const to = !byId && scope.to ? scope.to.toISOString() : null;
  const rows: Row[] = await db`
    with wanted as (
      select a.id from anomalies a
      where (${id}::bigint is null or a.id = ${id}::bigint)
        and (${from}::timestamptz is null or a.detected_at >= ${from}::timestamptz)
        and (${to}::timestamptz is null or a.detected_at < ${to}::timestamptz)
      union
      select p.anomaly_id from evidence_proofs p
      where not exists (select 1 from anomalies a where a.id = p.anomaly_id)
        and (${id}::bigint is null or p.anomaly_id = ${id}::bigint)
    ),
    latest as (
      select distinct on (p.anomaly_id) p.anomaly_id, p.leaf, p.proof, b.chain_id,
        b.contract_address, b.chain_batch_id, b.root
      from evidence_proofs p join evidence_batches b on b.id = p.batch_id
      where b.status = 'anchored' and p.anomaly_id in (select id from wanted)
      order by p.anomaly_id, b.id desc
    )
    select w.id::text as anomaly_id,
      a.id is not null as present,
      a.device_id,
      (extract(epoch from a.reading_ts) * 1000)::bigint::text as reading_ts_ms,
      a.reading_boot::text as reading_boot,
      a.reading_seq::text as reading_seq,
      (extract(epoch from a.detected_at) * 1000)::bigint::text as detected_at_ms,
      a.type, a.severity,
      a.score::text as score, a.threshold::text as threshold,
      encode(a.model_sha256, 'hex') as model_sha256,
      encode(sha256(a.payload), 'hex') as payload_sha256,
      encode(a.payload_sha256, 'hex') as recorded_sha256,
      encode(r.payload_sha256, 'hex') as reading_sha256,
      exists (select 1 from evidence_outbox o where o.anomaly_id = w.id) as waiting,
      l.chain_id, l.contract_address, l.chain_batch_id::text as chain_batch_id,
      encode(l.root, 'hex') as root, encode(l.leaf, 'hex') as leaf, l.proof::text as proof
    from wanted w
    left join anomalies a on a.id = w.id
    left join readings r on r.device_id = a.device_id and r.ts = a.reading_ts
      and r.boot = a.reading_boot and r.seq = a.reading_seq
    left join latest l on l.anomaly_id = w.id
    order by w.id`;
  return rows.map(toStored);
}

function toStored(row: Row): StoredAnomaly {
  const record: EvidenceRecord | null = row.present
    ? {
        anomalyId: BigInt(row.anomaly_id),
        deviceId: row.device_id ?? '',
        readingTsMs: Number(row.reading_ts_ms),
        readingBoot: Number(row.reading_boot),
        readingSeq: Number(row.reading_seq),
        detectedAtMs: Number(row.detected_at_ms),
        type: row.type ?? '',
        severity: row.severity ?? '',
        score: Number(row.score),
        threshold: Number(row.threshold),
        modelSha256: hexBytes(row.model_sha256),
        payloadSha256: hexBytes(row.payload_sha256),
      }
    : null;
  return {
    anomalyId: BigInt(row.anomaly_id),
    record,
    payloadSha256: row.payload_sha256,
    recordedPayloadSha256: row.recorded_sha256,
    readingPayloadSha256: row.reading_sha256,
    waiting: row.waiting,
    anchored:
      row.chain_batch_id === null || row.root === null || row.leaf === null
        ? null
        : {
            chainId: Number(row.chain_id),
            contract: row.contract_address as Address,
            chainBatchId: BigInt(row.chain_batch_id),
            root: `0x${row.root}`,
            leaf: `0x${row.leaf}`,
            proof: JSON.parse(row.proof ?? '[]') as Hex[],
          },
  };
}

function hexBytes(hex: string | null): Uint8Array {
  return hex === null ? new Uint8Array(0) : new Uint8Array(Buffer.from(hex, 'hex'));
}
