import type { FleetStats } from './fleet';

/** One progress line: counts and fault messages by type. */
export function formatStats(stats: FleetStats, elapsedMs: number): string {
  const faults = Object.entries(stats.faults)
    .map(([type, count]) => `${type}=${count}`)
    .join(' ');
  const rate = elapsedMs > 0 ? Math.round((stats.acked * 1000) / elapsedMs) : 0;
  return (
    `${Math.round(elapsedMs / 1000)}s connected ${stats.connected}/${stats.devices} ` +
    `sent ${stats.sent} acked ${stats.acked} (${rate}/s) failed ${stats.failed} ` +
    `skipped ${stats.skipped}${faults === '' ? '' : ` faults ${faults}`}`
  );
}
