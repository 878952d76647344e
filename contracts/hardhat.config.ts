import { createRequire } from 'node:module';
import hardhatViem from '@nomicfoundation/hardhat-viem';
import { defineConfig, task } from 'hardhat/config';

const require = createRequire(import.meta.url);

/**
 * Hardhat cannot download compilers here (no network at build time), so it runs the WASM build
 * shipped in the npm `solc` package. The version comes from that same package, so the lockfile
 * alone decides which compiler builds the contracts.
 */
const solc = {
  version: (require('solc/package.json') as { version: string }).version,
  path: require.resolve('solc/soljson.js'),
};

/**
 * Audit tasks for auditors: recompute leaves from Vigil's database (DATABASE_URL) and check them
 * against the chain (CHAIN_RPC_URL). Exit code 1 when anything is TAMPERED or MISSING.
 */
const evidenceVerify = task('evidence:verify', "Checks one anomaly's evidence against the chain")
  .addOption({ name: 'anomaly', description: 'The anomaly id', defaultValue: '' })
  .setAction(() => import('./tasks/evidence-verify'))
  .build();

const evidenceAudit = task('evidence:audit', 'Checks every anomaly detected in a time range')
  .addOption({
    name: 'from',
    description: 'Detected at or after (RFC 3339 or epoch ms)',
    defaultValue: '',
  })
  .addOption({
    name: 'to',
    description: 'Detected before (RFC 3339 or epoch ms)',
    defaultValue: '',
  })
  .setAction(() => import('./tasks/evidence-audit'))
  .build();

export default defineConfig({
  plugins: [hardhatViem],
  tasks: [evidenceVerify, evidenceAudit],
  solidity: {
    ...solc,
    settings: {
      // Cancun bytecode runs on every current EVM chain, including those that lag behind mainnet.
      evmVersion: 'cancun',
      optimizer: { enabled: true, runs: 200 },
    },
  },
});
