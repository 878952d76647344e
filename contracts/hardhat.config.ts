import { createRequire } from 'node:module';
import hardhatViem from '@nomicfoundation/hardhat-viem';
import { defineConfig } from 'hardhat/config';

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

export default defineConfig({
  plugins: [hardhatViem],
  solidity: {
    ...solc,
    settings: {
      // Cancun bytecode runs on every current EVM chain, including those that lag behind mainnet.
      evmVersion: 'cancun',
      optimizer: { enabled: true, runs: 200 },
    },
  },
});
