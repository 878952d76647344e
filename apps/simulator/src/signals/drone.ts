import type { Random } from '../random';
import type { Metrics } from '../types';
import { clamp, ouStep, roundMetrics, type SignalModel } from './common';

const GRAVITY = 9.81;
const METRES_PER_DEGREE = 111_320;
const MAX_HORIZONTAL_ACCEL = 2.5;
const MAX_CLIMB_RATE = 3;
const MAX_VERTICAL_ACCEL = 1.5;

/**
 * A survey drone flying between random waypoints near its home: smooth velocity changes limited
 * by a maximum acceleration, hovering pauses, altitude changes at a bounded climb rate,
 * accelerometer readings that include gravity on z plus airframe vibration, a battery that drains
 * in flight (swapped when low, as operators do) and RSSI falling with distance from home.
 */
export function createDroneSignal(rng: Random, startMs: number): SignalModel {
  // Homes scattered over a metropolitan area (around Munich).
  const homeLat = 48.137 + rng.uniform(-0.15, 0.15);
  const homeLon = 11.575 + rng.uniform(-0.2, 0.2);
  const cosLat = Math.cos((homeLat * Math.PI) / 180);
  const cruise = rng.uniform(5, 14);
  const drainPerMinute = rng.uniform(0.15, 0.5);

  let north = 0;
  let east = 0;
  let vn = 0;
  let ve = 0;
  let vz = 0;
  let altitude = rng.uniform(30, 100);
  let targetAltitude = altitude;
  let waypoint = pickWaypoint();
  let hoverUntil = -Infinity;
  let battery = rng.uniform(60, 100);
  let vibration = 0;
  let lastT = startMs;

  function pickWaypoint(): { north: number; east: number } {
    const distance = rng.uniform(0, 1500);
    const bearing = rng.uniform(0, 2 * Math.PI);
    return { north: distance * Math.cos(bearing), east: distance * Math.sin(bearing) };
  }

  return {
    sample(tMs: number): Metrics {
      const dtMs = Math.max(0, tMs - lastT);
      const dt = dtMs / 1000;
      lastT = tMs;

      const toN = waypoint.north - north;
      const toE = waypoint.east - east;
      const distance = Math.hypot(toN, toE);
      if (distance < 15 && tMs >= hoverUntil) {
        waypoint = pickWaypoint();
        targetAltitude = rng.uniform(30, 120);
        hoverUntil = rng.chance(0.4) ? tMs + rng.uniform(5_000, 30_000) : -Infinity;
      }
      const hovering = tMs < hoverUntil;
      // Slow down on approach so the drone does not overshoot its waypoint.
      const wanted = hovering
        ? 0
        : Math.min(cruise, Math.sqrt(2 * MAX_HORIZONTAL_ACCEL * distance));
      const wantN = distance > 0 ? (toN / distance) * wanted : 0;
      const wantE = distance > 0 ? (toE / distance) * wanted : 0;
      const maxDv = MAX_HORIZONTAL_ACCEL * dt;
      const dvn = clamp(wantN - vn, -maxDv, maxDv);
      const dve = clamp(wantE - ve, -maxDv, maxDv);
      vn += dvn;
      ve += dve;
      north += vn * dt;
      east += ve * dt;

      const wantClimb = clamp(0.5 * (targetAltitude - altitude), -MAX_CLIMB_RATE, MAX_CLIMB_RATE);
      const dvz = clamp(wantClimb - vz, -MAX_VERTICAL_ACCEL * dt, MAX_VERTICAL_ACCEL * dt);
      vz += dvz;
      altitude += vz * dt;

      battery -= (drainPerMinute * dtMs) / 60_000;
      if (battery < 15) battery = rng.uniform(97, 100);
      vibration = ouStep(vibration, dtMs, 2_000, 0.15, rng.normal());

      const an = dt > 0 ? dvn / dt : 0;
      const ae = dt > 0 ? dve / dt : 0;
      const fromHome = Math.hypot(north, east);

      return roundMetrics({
        latitude: homeLat + north / METRES_PER_DEGREE + rng.normal(0, 0.000004),
        longitude: homeLon + east / (METRES_PER_DEGREE * cosLat) + rng.normal(0, 0.000004),
        altitude: Math.max(0, altitude + rng.normal(0, 0.3)),
        speed: Math.hypot(vn, ve),
        accel_x: an + vibration + rng.normal(0, 0.08),
        accel_y: ae + vibration * 0.7 + rng.normal(0, 0.08),
        accel_z: GRAVITY + (dt > 0 ? dvz / dt : 0) + rng.normal(0, 0.1),
        battery: clamp(battery, 0, 100),
        rssi: clamp(-42 - 9 * Math.log10(1 + fromHome) + rng.normal(0, 2), -100, -30),
      });
    },
  };
}
