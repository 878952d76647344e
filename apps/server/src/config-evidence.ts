/**
 * The detection and evidence part of the configuration: which model scores readings, and which
 * chain anomalies are anchored on. Read by loadConfig, never elsewhere.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  ConfigError,
  type Env,
  readBoolean,
  readInteger,
  readString,
  readUrl,
} from './config-read';

/** The model `bun run ml:train` writes, in the repository's ml/models. */
export const DEFAULT_MODEL_PATH = resolve(import.meta.dir, '../../../ml/models/detector.onnx');

type Hex = `0x${string}`;

export type DetectionEvidenceConfig = {
  detection: {
    /**
     * DETECTION_ENABLED: score readings in this process (default true). An ingest-only replica
     * turns it off; another replica, or none, then scores.
     */
    enabled: boolean;
    /** MODEL_PATH: the ONNX model (default: ml/models/detector.onnx of this checkout). */
    modelPath: string;
    /** MODEL_METADATA_PATH: its metadata (default: MODEL_PATH with .json for .onnx). */
    metadataPath: string;
    /** DETECTION_THRESHOLD: overrides the metadata's threshold, in (0, 1). */
    threshold?: number;
    /** DETECTION_MAX_DEVICES: per-device windows kept in memory (least recently used dropped). */
    maxDevices: number;
  };
  evidence: {
    /**
     * CHAIN_RPC_URL: an EVM JSON-RPC endpoint. Absent: a local Hardhat chain on 127.0.0.1 with
     * the registry deployed automatically (in memory: anomalies are re-anchored after a restart).
     */
    rpcUrl?: string;
    /** EVIDENCE_CONTRACT: the EvidenceRegistry address; required with CHAIN_RPC_URL. */
    contract?: Hex;
    /** CHAIN_KEY, or the file CHAIN_KEY_FILE names: the anchoring account's private key. */
    privateKey?: Hex;
    /** CHAIN_PORT: the embedded chain's port on 127.0.0.1 (0: any free port). */
    chainPort: number;
    /** EVIDENCE_BATCH_MS: longest a leaf waits before its batch is sent. */
    batchMs: number;
    /** EVIDENCE_BATCH_MAX: most leaves in one anchor transaction. */
    batchMax: number;
  };
};

/** Reads MODEL_*, DETECTION_*, CHAIN_* and EVIDENCE_* variables; throws ConfigError. */
export function readDetectionEvidenceConfig(env: Env): DetectionEvidenceConfig {
  const modelPath = resolve(readString(env, 'MODEL_PATH') ?? DEFAULT_MODEL_PATH);
  const metadataPath = resolve(
    readString(env, 'MODEL_METADATA_PATH') ?? `${modelPath.replace(/\.onnx$/i, '')}.json`,
  );
  const rpcUrl = readUrl(env, 'CHAIN_RPC_URL', ['http:', 'https:', 'ws:', 'wss:']);
  const contract = readAddress(env, 'EVIDENCE_CONTRACT');
  const privateKey = readKey(env);
  if (rpcUrl !== undefined) {
    if (contract === undefined) {
      throw new ConfigError('EVIDENCE_CONTRACT', 'the registry address when CHAIN_RPC_URL is set');
    }
    if (privateKey === undefined) {
      throw new ConfigError(
        'CHAIN_KEY_FILE',
        'a key file (or CHAIN_KEY) when CHAIN_RPC_URL is set',
      );
    }
  } else if (contract !== undefined) {
    throw new ConfigError('CHAIN_RPC_URL', 'the chain endpoint when EVIDENCE_CONTRACT is set');
  }
  return {
    detection: {
      enabled: readBoolean(env, 'DETECTION_ENABLED', true),
      modelPath,
      metadataPath,
      threshold: readThreshold(env),
      maxDevices: readInteger(env, 'DETECTION_MAX_DEVICES', 100_000, 1, 10_000_000),
    },
    evidence: {
      rpcUrl,
      contract,
      privateKey,
      chainPort: readInteger(env, 'CHAIN_PORT', 0, 0, 65_535),
      batchMs: readInteger(env, 'EVIDENCE_BATCH_MS', 1000, 10, 3_600_000),
      batchMax: readInteger(env, 'EVIDENCE_BATCH_MAX', 1000, 1, 10_000),
    },
  };
}

function readThreshold(env: Env): number | undefined {
  const raw = readString(env, 'DETECTION_THRESHOLD');
  if (raw === undefined) return undefined;
  const value = /^\d*\.?\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value > 0 && value < 1)) {
    throw new ConfigError(
      'DETECTION_THRESHOLD',
      `a number between 0 and 1 exclusive, got '${raw}'`,
    );
  }
  return value;
}

function readAddress(env: Env, name: string): Hex | undefined {
  const raw = readString(env, name);
  if (raw === undefined) return undefined;
  if (!/^0x[0-9a-fA-F]{40}$/.test(raw)) {
    throw new ConfigError(name, `a 0x-prefixed 20-byte address, got '${raw}'`);
  }
  return raw as Hex;
}

/** The key never appears in an error message. */
function readKey(env: Env): Hex | undefined {
  const inline = readString(env, 'CHAIN_KEY');
  const file = readString(env, 'CHAIN_KEY_FILE');
  if (inline !== undefined && file !== undefined) {
    throw new ConfigError('CHAIN_KEY_FILE', 'unset when CHAIN_KEY is set (one source for the key)');
  }
  if (inline !== undefined) return checkKey(inline, 'CHAIN_KEY', 'a 0x-prefixed 32-byte hex key');
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new ConfigError('CHAIN_KEY_FILE', `a readable file (${(error as Error).message})`);
  }
  return checkKey(text, 'CHAIN_KEY_FILE', 'a file holding a 0x-prefixed 32-byte hex key');
}

function checkKey(value: string, name: string, expected: string): Hex {
  if (!/^0x[0-9a-fA-F]{64}$/.test(value)) throw new ConfigError(name, expected);
  return value as Hex;
}
