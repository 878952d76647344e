/** A second signal within this window is the same event delivered twice (to the process and its group). */
const DUPLICATE_WINDOW_MS = 1_000;

/**
 * Runs `stop` once on the first SIGINT or SIGTERM. A later signal exits at once, for when a clean
 * stop hangs (an unreachable broker); one arriving within a second of the first is ignored, since
 * tools like `timeout` signal both the process and its process group.
 */
export function stopOnSignals(stop: (signal: NodeJS.Signals) => Promise<unknown>): () => void {
  let firstAt: number | undefined;
  const handler = (signal: NodeJS.Signals) => {
    if (firstAt !== undefined) {
      if (Date.now() - firstAt < DUPLICATE_WINDOW_MS) return;
      process.exit(130);
    }
    firstAt = Date.now();
    void stop(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
