import { expect, test } from 'bun:test';
import hre from 'hardhat';
import { evidenceRegistryAbi, evidenceRegistryBytecode } from './abi';

// A cold compile runs the WASM solc and takes a few seconds.
test('the committed ABI and bytecode match a fresh compile of EvidenceRegistry.sol', async () => {
  await hre.tasks.getTask('compile').run({ quiet: true });
  const artifact = await hre.artifacts.readArtifact('EvidenceRegistry');
  expect(evidenceRegistryAbi).toEqual(artifact.abi as typeof evidenceRegistryAbi);
  expect(evidenceRegistryBytecode).toBe(artifact.bytecode as typeof evidenceRegistryBytecode);
}, 60_000);
