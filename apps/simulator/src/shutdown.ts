/**
 * Runs `stop` once on the first SIGINT or SIGTERM; a second signal exits at once, for when a
 * clean stop hangs (an unreachable broker).
 */
export function stopOnSignals(stop: (signal: NodeJS.Signals) => Promise<unknown>): () => void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    void stop(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
