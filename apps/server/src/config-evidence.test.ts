import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './config';

const dir = mkdtempSync(join(tmpdir(), 'vigil-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KEY = `0x${'4f'.repeat(32)}`;
const CONTRACT = `0x${'12'.repeat(20)}`;

function failure(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${Object.keys(env).join(', ')}`);
}

describe('detection and evidence configuration', () => {
  test('the metadata path follows MODEL_PATH unless given', () => {
    const config = loadConfig({ MODEL_PATH: '/models/v2.onnx' });
    expect(config.detection.metadataPath).toBe('/models/v2.json');
  });

  test('the key comes from a key file, trimmed, and never appears in errors', () => {
    const keyFile = join(dir, 'anchor.key');
    writeFileSync(keyFile, `${KEY}\n`);
    const env = { CHAIN_RPC_URL: 'http://127.0.0.1:8545', EVIDENCE_CONTRACT: CONTRACT };
    expect(loadConfig({ ...env, CHAIN_KEY_FILE: keyFile }).evidence.privateKey).toBe(
      KEY as `0x${string}`,
    );

    writeFileSync(keyFile, 'not a key');
    const bad = failure({ ...env, CHAIN_KEY_FILE: keyFile });
    expect(bad.variable).toBe('CHAIN_KEY_FILE');
    expect(bad.message).not.toContain('not a key');
    expect(failure({ ...env, CHAIN_KEY_FILE: join(dir, 'absent') }).variable).toBe(
      'CHAIN_KEY_FILE',
    );
    const inline = failure({ ...env, CHAIN_KEY: `${KEY.slice(0, -2)}zz` });
    expect(inline.variable).toBe('CHAIN_KEY');
    expect(inline.message).not.toContain(KEY.slice(4, 20));
  });

  test('a production chain needs its contract and key; a contract needs its chain', () => {
    expect(failure({ CHAIN_RPC_URL: 'http://127.0.0.1:8545', CHAIN_KEY: KEY }).variable).toBe(
      'EVIDENCE_CONTRACT',
    );
    expect(
      failure({ CHAIN_RPC_URL: 'http://127.0.0.1:8545', EVIDENCE_CONTRACT: CONTRACT }).variable,
    ).toBe('CHAIN_KEY_FILE');
    expect(failure({ EVIDENCE_CONTRACT: CONTRACT }).variable).toBe('CHAIN_RPC_URL');
    expect(
      failure({
        CHAIN_KEY: KEY,
        CHAIN_KEY_FILE: '/x',
        CHAIN_RPC_URL: 'http://h',
        EVIDENCE_CONTRACT: CONTRACT,
      }).variable,
    ).toBe('CHAIN_KEY_FILE');
  });

  test('bad values are refused with the variable named', () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ CHAIN_RPC_URL: 'ftp://rpc' }, 'CHAIN_RPC_URL'],
      [{ EVIDENCE_CONTRACT: '0x1234' }, 'EVIDENCE_CONTRACT'],
      [{ DETECTION_THRESHOLD: '1' }, 'DETECTION_THRESHOLD'],
      [{ DETECTION_THRESHOLD: '0' }, 'DETECTION_THRESHOLD'],
      [{ DETECTION_THRESHOLD: 'high' }, 'DETECTION_THRESHOLD'],
      [{ DETECTION_MAX_DEVICES: '0' }, 'DETECTION_MAX_DEVICES'],
      [{ DETECTION_ENABLED: 'maybe' }, 'DETECTION_ENABLED'],
      [{ EVIDENCE_BATCH_MS: '5' }, 'EVIDENCE_BATCH_MS'],
      [{ EVIDENCE_BATCH_MAX: '10001' }, 'EVIDENCE_BATCH_MAX'],
      [{ CHAIN_PORT: '70000' }, 'CHAIN_PORT'],
    ];
    for (const [env, variable] of cases) expect(failure(env).variable).toBe(variable);
  });
});
