/**
 * Child-process entry of `startLocalChain`: runs Hardhat's `node` task in this process and exits as
 * soon as the process that started it is gone, so that a crashed or killed server never leaves a
 * chain behind holding its port.
 *
 * Usage: `bun --bun src/hardhat-node.ts --hostname 127.0.0.1 --port <port>`
 */
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';

const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 500);

const cli = resolve(
  dirname(createRequire(import.meta.url).resolve('hardhat/package.json')),
  'dist/src/cli.js',
);
// Hardhat's CLI reads its arguments from process.argv when imported.
process.argv = [process.argv[0] ?? process.execPath, cli, 'node', ...process.argv.slice(2)];
await import(cli);
