/**
 * Kills `pid` (and removes `dir`) once the current process is gone, even when it dies by SIGKILL,
 * so a crashed test run never leaves a database or broker behind.
 */
export function reapWithParent(pid: number, dir?: string, signal = 'TERM'): void {
  const cleanup = dir === undefined ? '' : `; sleep 1; rm -rf '${dir}'`;
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 0.5; done; kill -${signal} ${pid} 2>/dev/null${cleanup}`;
  const reaper = Bun.spawn(['sh', '-c', script], { stdio: ['ignore', 'ignore', 'ignore'] });
  reaper.unref();
}
