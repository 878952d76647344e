/**
 * Every test suite in the repository, in the order `bun run test` runs them. A suite is a command
 * plus a parser that reads its pass/fail counts from the output.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dir, '..');

/** The test roots that exist in this checkout (bun test refuses a path that matches nothing). */
function existing(paths: string[]): string[] {
  return paths.filter((path) => existsSync(resolve(root, path)));
}

export type Counts = { passed: number; failed: number };

export type Suite = {
  name: string;
  cmd: string[];
  cwd?: string;
  /** Runs only when this path exists (a workspace that has not landed yet has no suite). */
  requires?: string;
  timeoutMs: number;
  parse(output: string, exitCode: number): Counts;
};

/** Reads `bun test`'s closing " N pass / N fail" lines. */
export function parseBunTest(output: string, exitCode: number): Counts {
  const passed = Number(output.match(/^\s*(\d+) pass$/m)?.[1] ?? Number.NaN);
  const failed = Number(output.match(/^\s*(\d+) fail$/m)?.[1] ?? Number.NaN);
  if (Number.isNaN(passed) || Number.isNaN(failed)) return { passed: 0, failed: 1 };
  // A crash after the summary (or an unhandled error between files) still fails the suite.
  return { passed, failed: exitCode !== 0 && failed === 0 ? 1 : failed };
}

/** Reads Hardhat's Solidity test summary ("N passing" / "N failing"). */
export function parseHardhatSolidity(output: string, exitCode: number): Counts {
  const passed = Number(output.match(/(\d+) passing/)?.[1] ?? Number.NaN);
  const failed = Number(output.match(/(\d+) failing/)?.[1] ?? 0);
  if (Number.isNaN(passed)) return { passed: 0, failed: 1 };
  return { passed, failed: exitCode !== 0 && failed === 0 ? 1 : failed };
}

/** A command that is one check: it passes when it exits 0. */
export function parseExitCode(_output: string, exitCode: number): Counts {
  return exitCode === 0 ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 };
}

export const suites: Suite[] = [
  {
    name: 'check (format, lint, typecheck)',
    cmd: ['bun', 'scripts/check.ts'],
    timeoutMs: 5 * 60_000,
    parse: parseExitCode,
  },
  {
    name: 'unit and integration (bun test)',
    // bunfig.toml's [test] timeout is not read by this Bun; the flag is.
    cmd: [
      'bun',
      'test',
      '--timeout',
      '60000',
      ...existing(['./packages', './apps', './ml', './bench', './chaos']),
    ],
    timeoutMs: 12 * 60_000,
    parse: parseBunTest,
  },
  {
    name: 'contracts (bun test + viem on the Hardhat network)',
    cmd: ['bun', 'test', '--timeout', '60000'],
    cwd: 'contracts',
    requires: 'contracts/hardhat.config.ts',
    timeoutMs: 5 * 60_000,
    parse: parseBunTest,
  },
  {
    name: 'contracts (Solidity tests)',
    cmd: ['bun', '--bun', 'hardhat', 'test', 'solidity'],
    cwd: 'contracts',
    requires: 'contracts/hardhat.config.ts',
    timeoutMs: 5 * 60_000,
    parse: parseHardhatSolidity,
  },
];
