/**
 * The canonical evidence record of one anomaly and its leaf: the one definition the server uses
 * when it anchors and the audit tasks use when they recompute. Change nothing here without a new
 * version number: every leaf ever anchored was built by these exact bytes.
 *
 * Encoding (`EVIDENCE_RECORD_VERSION` 1): Solidity ABI encoding (`abi.encode`) of
 *
 * | #  | type    | field                                                             |
 * | -- | ------- | ----------------------------------------------------------------- |
 * | 1  | uint8   | version = 1                                                       |
 * | 2  | uint64  | anomaly id (the database row)                                     |
 * | 3  | string  | device id (UTF-8)                                                 |
 * | 4  | int64   | reading time, epoch milliseconds (device clock)                   |
 * | 5  | int64   | reading boot                                                      |
 * | 6  | int64   | reading seq                                                       |
 * | 7  | int64   | detection time, epoch milliseconds (server clock)                 |
 * | 8  | string  | anomaly type (e.g. `tamper`)                                      |
 * | 9  | string  | severity (`low`, `medium`, `high`, `critical`)                    |
 * | 10 | bytes8  | score, IEEE 754 binary64, big-endian (exact, no rounding)         |
 * | 11 | bytes8  | threshold, IEEE 754 binary64, big-endian                          |
 * | 12 | bytes32 | SHA-256 of the detector's ONNX model file                         |
 * | 13 | bytes32 | SHA-256 of the exact raw payload bytes the reading arrived as     |
 *
 * and the leaf is `keccak256(bytes.concat(keccak256(record)))` ({@link hashLeaf}).
 */
import { bytesToHex, encodeAbiParameters, type Hex } from 'viem';
import { hashLeaf } from './merkle';

export const EVIDENCE_RECORD_VERSION = 1;

/** The fields of an anomaly that its leaf commits to. */
export type EvidenceRecord = {
  anomalyId: bigint;
  deviceId: string;
  readingTsMs: number;
  readingBoot: number;
  readingSeq: number;
  detectedAtMs: number;
  type: string;
  severity: string;
  score: number;
  threshold: number;
  /** SHA-256 of the model file, 32 bytes. */
  modelSha256: Uint8Array;
  /** SHA-256 of the raw payload, 32 bytes. */
  payloadSha256: Uint8Array;
};

/** Raised for a record that cannot be encoded (wrong hash length, non-integer time, ...). */
export class EvidenceRecordError extends Error {
  override readonly name = 'EvidenceRecordError';
}

const RECORD_TYPES = [
  { type: 'uint8', name: 'version' },
  { type: 'uint64', name: 'anomalyId' },
  { type: 'string', name: 'deviceId' },
  { type: 'int64', name: 'readingTsMs' },
  { type: 'int64', name: 'readingBoot' },
  { type: 'int64', name: 'readingSeq' },
  { type: 'int64', name: 'detectedAtMs' },
  { type: 'string', name: 'type' },
  { type: 'string', name: 'severity' },
  { type: 'bytes8', name: 'score' },
  { type: 'bytes8', name: 'threshold' },
  { type: 'bytes32', name: 'modelSha256' },
  { type: 'bytes32', name: 'payloadSha256' },
] as const;

/** The canonical bytes of `record` (see the table at the top of this file). */
export function encodeEvidenceRecord(record: EvidenceRecord): Hex {
  return encodeAbiParameters(RECORD_TYPES, [
    EVIDENCE_RECORD_VERSION,
    record.anomalyId,
    record.deviceId,
    integer(record.readingTsMs, 'readingTsMs'),
    integer(record.readingBoot, 'readingBoot'),
    integer(record.readingSeq, 'readingSeq'),
    integer(record.detectedAtMs, 'detectedAtMs'),
    record.type,
    record.severity,
    float64(record.score, 'score'),
    float64(record.threshold, 'threshold'),
    sha256Hex(record.modelSha256, 'modelSha256'),
    sha256Hex(record.payloadSha256, 'payloadSha256'),
  ]);
}

/** The Merkle leaf of `record`: the double keccak of its canonical bytes. */
export function evidenceLeaf(record: EvidenceRecord): Hex {
  return hashLeaf(encodeEvidenceRecord(record));
}

function integer(value: number, field: string): bigint {
  if (!Number.isSafeInteger(value)) {
    throw new EvidenceRecordError(`${field} must be a safe integer, got ${value}`);
  }
  return BigInt(value);
}

function float64(value: number, field: string): Hex {
  if (!Number.isFinite(value)) throw new EvidenceRecordError(`${field} must be finite`);
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setFloat64(0, value, false);
  return bytesToHex(bytes);
}

function sha256Hex(bytes: Uint8Array, field: string): Hex {
  if (bytes.byteLength !== 32) {
    throw new EvidenceRecordError(`${field} must be 32 bytes, got ${bytes.byteLength}`);
  }
  return bytesToHex(bytes);
}
