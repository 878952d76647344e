/**
 * `bun run check`: format check, lint with zero warnings, and a strict typecheck of every
 * workspace (plus svelte-check and Solidity lint where those workspaces exist).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dir, '..');

function workspaces(): string[] {
  const dirs: string[] = [];
  for (const parent of ['packages', 'apps']) {
    const path = join(root, parent);
    if (!existsSync(path)) continue;
    for (const name of readdirSync(path)) dirs.push(`${parent}/${name}`);
  }
  dirs.push('ml', 'contracts', 'bench', 'scripts');
  return dirs.filter((dir) => existsSync(join(root, dir, 'tsconfig.json')));
}

type Step = { name: string; cmd: string[]; cwd?: string };

const steps: Step[] = [
  { name: 'biome (format + lint)', cmd: ['bunx', 'biome', 'check', '--error-on-warnings', '.'] },
  ...workspaces()
    .filter((dir) => dir !== 'apps/web')
    .map((dir) => ({ name: `tsc ${dir}`, cmd: ['bunx', 'tsc', '--noEmit', '-p', dir] })),
];
if (existsSync(join(root, 'apps/web/package.json'))) {
  steps.push({ name: 'svelte-check apps/web', cmd: ['bun', 'run', 'check'], cwd: 'apps/web' });
}
if (existsSync(join(root, 'contracts/package.json'))) {
  steps.push({ name: 'solhint contracts', cmd: ['bun', 'run', 'lint'], cwd: 'contracts' });
}

let failed = 0;
for (const step of steps) {
  const proc = Bun.spawnSync(step.cmd, {
    cwd: join(root, step.cwd ?? '.'),
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const ok = proc.exitCode === 0;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${step.name}`);
  if (!ok) {
    failed += 1;
    console.log(proc.stdout.toString() + proc.stderr.toString());
  }
}
console.log(failed === 0 ? 'check: all passed' : `check: ${failed} step(s) failed`);
process.exit(failed === 0 ? 0 : 1);
