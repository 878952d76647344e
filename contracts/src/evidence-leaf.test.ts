import { describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { decodeAbiParameters, keccak256 } from 'viem';
import {
  type EvidenceRecord,
  EvidenceRecordError,
  encodeEvidenceRecord,
  evidenceLeaf,
} from './evidence-leaf';

const sha = (text: string) => new Uint8Array(createHash('sha256').update(text).digest());

const record: EvidenceRecord = {
  anomalyId: 42n,
  deviceId: 'dev-7',
  readingTsMs: 1_767_225_600_000,
  readingBoot: 123_456,
  readingSeq: 9,
  detectedAtMs: 1_767_225_600_050,
  type: 'tamper',
  severity: 'critical',
  score: 0.7312345678901234,
  threshold: 0.62,
  modelSha256: sha('model'),
  payloadSha256: sha('{"ts":1}'),
};

describe('evidence leaf', () => {
  test('the canonical bytes decode back to the record, score bit for bit', () => {
    const [version, id, device, ts, boot, seq, detected, type, severity, score] =
      decodeAbiParameters(
        [
          { type: 'uint8' },
          { type: 'uint64' },
          { type: 'string' },
          { type: 'int64' },
          { type: 'int64' },
          { type: 'int64' },
          { type: 'int64' },
          { type: 'string' },
          { type: 'string' },
          { type: 'bytes8' },
        ],
        encodeEvidenceRecord(record),
      );
    expect([version, id, device, ts, boot, seq, detected, type, severity]).toEqual([
      1,
      42n,
      'dev-7',
      1_767_225_600_000n,
      123_456n,
      9n,
      1_767_225_600_050n,
      'tamper',
      'critical',
    ]);
    const bytes = Buffer.from(score.slice(2), 'hex');
    expect(bytes.readDoubleBE(0)).toBe(record.score);
  });

  test('the leaf is the double keccak of the canonical bytes', () => {
    expect(evidenceLeaf(record)).toBe(keccak256(keccak256(encodeEvidenceRecord(record), 'bytes')));
  });

  test('every field changes the leaf, even the last bit of the score', () => {
    const leaf = evidenceLeaf(record);
    const nudged = record.score + Number.EPSILON * record.score;
    expect(nudged).not.toBe(record.score);
    const variants: Partial<EvidenceRecord>[] = [
      { anomalyId: 43n },
      { deviceId: 'dev-8' },
      { readingTsMs: record.readingTsMs + 1 },
      { readingBoot: record.readingBoot + 1 },
      { readingSeq: 10 },
      { detectedAtMs: record.detectedAtMs + 1 },
      { type: 'spike' },
      { severity: 'high' },
      { score: nudged },
      { threshold: 0.63 },
      { modelSha256: sha('other model') },
      { payloadSha256: sha('{"ts":2}') },
    ];
    const leaves = new Set(variants.map((change) => evidenceLeaf({ ...record, ...change })));
    expect(leaves.size).toBe(variants.length);
    expect(leaves.has(leaf)).toBe(false);
  });

  test('malformed records are refused with the field named', () => {
    expect(() => evidenceLeaf({ ...record, payloadSha256: new Uint8Array(31) })).toThrow(
      new EvidenceRecordError('payloadSha256 must be 32 bytes, got 31'),
    );
    expect(() => evidenceLeaf({ ...record, score: Number.NaN })).toThrow(EvidenceRecordError);
    expect(() => evidenceLeaf({ ...record, readingTsMs: 1.5 })).toThrow(/readingTsMs/);
  });
});
