/**
 * Builds the dashboard when its build is missing or older than its sources, so `bun run start`
 * and `bun run demo` serve a current dashboard from a fresh clone or after a pull. The build is
 * offline (vite with adapter-node, under Bun) and lands in apps/web/build, which git ignores.
 *
 *   bun apps/web/src/build.ts     # exits 0 even when the build fails: the server then starts
 *                                 # without the dashboard and says so
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const WEB_DIR = resolve(import.meta.dir, '..');
/** The file the Vigil server loads; its age stands for the build's. */
const ENTRY = join(WEB_DIR, 'build/adapter-node.js');

/** Newest modification time of any file under `dir`. */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** Why the dashboard needs building ('missing', 'stale'), or null when the build is current. */
export function buildNeeded(): 'missing' | 'stale' | null {
  if (!existsSync(ENTRY)) return 'missing';
  const sources = Math.max(
    newest(join(WEB_DIR, 'src')),
    statSync(join(WEB_DIR, 'vite.config.ts')).mtimeMs,
    statSync(join(WEB_DIR, 'package.json')).mtimeMs,
  );
  return statSync(ENTRY).mtimeMs > sources ? null : 'stale';
}

/** The dashboard could not be built; `output` is what the build printed. */
export class WebBuildFailedError extends Error {
  constructor(readonly output: string) {
    super(`the dashboard build failed:\n${output}`);
    this.name = 'WebBuildFailedError';
  }
}

/** Builds the dashboard unless the build is current; throws WebBuildFailedError. */
export function ensureBuild(): void {
  if (buildNeeded() === null) return;
  const build = Bun.spawnSync(['bun', '--bun', 'vite', 'build'], {
    cwd: WEB_DIR,
    stdout: 'pipe',
    stderr: 'pipe',
  });
  if (build.exitCode !== 0) {
    throw new WebBuildFailedError(build.stdout.toString() + build.stderr.toString());
  }
}

if (import.meta.main) {
  const reason = buildNeeded();
  if (reason !== null) {
    console.log(`vigil: building the dashboard (${reason}), once; this takes a minute`);
    const started = performance.now();
    try {
      ensureBuild();
      console.log(
        `vigil: dashboard built in ${((performance.now() - started) / 1000).toFixed(0)} s`,
      );
    } catch (error) {
      if (!(error instanceof WebBuildFailedError)) throw error;
      console.error(error.message);
      console.error(
        "vigil: starting without the dashboard; fix the above, then 'bun run build:web'",
      );
    }
  }
}
