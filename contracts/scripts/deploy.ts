/**
 * Deploys EvidenceRegistry to any EVM JSON-RPC endpoint and prints one JSON line with the address.
 *
 *   bun scripts/deploy.ts --rpc-url <url> --key-file <path> [--admin <address>] [--anchorer <address>]
 *
 * The key file holds the deployer's 0x-prefixed private key and stays outside the repository.
 * Admin and anchorer default to the deployer; in production give the anchor role to the server's
 * signing account and keep the admin key offline.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createPublicClient, createWalletClient, http, isAddress, isHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { deployEvidenceRegistry } from '../src/deploy';

function fail(message: string): never {
  console.error(`deploy: ${message}`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    'rpc-url': { type: 'string' },
    'key-file': { type: 'string' },
    admin: { type: 'string' },
    anchorer: { type: 'string' },
  },
  strict: true,
});

const rpcUrl = values['rpc-url'] ?? fail('--rpc-url is required');
const keyFile = values['key-file'] ?? fail('--key-file is required');
const key = (() => {
  try {
    return readFileSync(keyFile, 'utf8').trim();
  } catch (error) {
    return fail(`cannot read key file ${keyFile}: ${(error as Error).message}`);
  }
})();
if (!isHex(key) || key.length !== 66) fail(`${keyFile} does not hold a 0x-prefixed 32-byte key`);

const account = privateKeyToAccount(key);
const admin = values.admin ?? account.address;
const anchorer = values.anchorer ?? account.address;
if (!isAddress(admin)) fail(`--admin is not an address: ${admin}`);
if (!isAddress(anchorer)) fail(`--anchorer is not an address: ${anchorer}`);

const transport = http(rpcUrl);
const publicClient = createPublicClient({ transport });
const chainId = await publicClient.getChainId();
const walletClient = createWalletClient({ account, transport });
const address = await deployEvidenceRegistry(walletClient, publicClient, { admin, anchorer });
console.log(JSON.stringify({ address, chainId, admin, anchorer }));
