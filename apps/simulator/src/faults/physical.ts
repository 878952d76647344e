import type { FaultContext, FaultInjector } from './injector';

const METRES_PER_DEGREE = 111_320;

/**
 * Tamper: someone opens the enclosure. Motion fires, the proximity sensor sees a hand a few
 * centimetres away, and body and handling heat (and breath) warm the inside within seconds.
 */
export function createTamper(ctx: FaultContext): FaultInjector {
  const heat = ctx.rng.uniform(1, 3.5);
  const moisture = ctx.rng.uniform(1, 5);
  const handCm = ctx.rng.uniform(2, 7);
  const rampMs = Math.max(1, Math.min(20_000, (ctx.endMs - ctx.startMs) / 2));
  return {
    labelsOwnMessages: true,
    mutateMetrics(metrics, tMs) {
      const warmed = Math.min(1, (tMs - ctx.startMs + ctx.intervalMs) / rampMs);
      metrics.motion = true;
      metrics.proximity = Math.max(0.5, handCm + ctx.rng.normal(0, 0.8));
      if (typeof metrics.temperature === 'number') metrics.temperature += heat * warmed;
      if (typeof metrics.humidity === 'number') {
        metrics.humidity = Math.min(100, metrics.humidity + moisture * warmed);
      }
    },
  };
}

/** GPS jump: the reported position teleports hundreds of metres to kilometres (spoofed GNSS). */
export function createGpsJump(ctx: FaultContext): FaultInjector {
  const distance = ctx.rng.uniform(300, 5_000);
  const bearing = ctx.rng.uniform(0, 2 * Math.PI);
  const dNorth = distance * Math.cos(bearing);
  const dEast = distance * Math.sin(bearing);
  return {
    labelsOwnMessages: true,
    mutateMetrics(metrics) {
      const { latitude, longitude } = metrics;
      if (typeof latitude !== 'number' || typeof longitude !== 'number') return;
      metrics.latitude = latitude + dNorth / METRES_PER_DEGREE;
      metrics.longitude =
        longitude + dEast / (METRES_PER_DEGREE * Math.cos((latitude * Math.PI) / 180));
    },
  };
}
