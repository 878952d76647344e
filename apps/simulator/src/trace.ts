import { DEVICE_ID_PATTERN } from '@vigil/protocol';
import { SimulatedDevice } from './device';
import { fleetDeviceIds } from './device-ids';
import { type FaultPlan, FixedFaultPlan, NO_FAULTS, RandomFaultPlan } from './faults/plan';
import { deriveSeed, Random } from './random';
import {
  DEVICE_KINDS,
  type LabelledMessage,
  SimulatorInputError,
  type TraceOptions,
} from './types';

/** Longest trace one call produces, in normal reporting intervals (bounds memory and time). */
const MAX_INTERVALS = 2_000_000;
const DEFAULT_FAULT_RATE = 0.05;

/**
 * A labelled trace of one device's telemetry as it would arrive at the server. Deterministic for
 * a given options object: seeded PRNG only, no wall clock. Sorted by `receivedAt`.
 */
export function generateTrace(opts: TraceOptions): LabelledMessage[] {
  return traceDevice(opts, []);
}

export type FleetTraceOptions = {
  seed: number;
  sensors: number;
  drones: number;
  startMs: number;
  durationMs: number;
  intervalMs: number;
  /** Fraction of time each device spends under some fault; 0 for clean traffic. */
  faultRate: number;
  /** Prefix of the generated device ids (default none): `<prefix>sensor-001`, `<prefix>drone-001`. */
  idPrefix?: string;
};

/** Many devices (ids `sensor-001`..., `drone-001`...) interleaved by `receivedAt`. */
export function generateFleetTrace(opts: FleetTraceOptions): LabelledMessage[] {
  requireCount('sensors', opts.sensors);
  requireCount('drones', opts.drones);
  if (!(opts.faultRate >= 0 && opts.faultRate < 1)) {
    throw new SimulatorInputError(`faultRate must be in [0, 1), got ${opts.faultRate}`);
  }
  const devices = fleetDeviceIds(opts.sensors, opts.drones, opts.idPrefix ?? '');
  const ids = devices.map((device) => device.deviceId);
  const all: LabelledMessage[] = [];
  for (const { deviceId, kind } of devices) {
    const trace = traceDevice(
      {
        seed: opts.seed,
        deviceId,
        kind,
        startMs: opts.startMs,
        durationMs: opts.durationMs,
        intervalMs: opts.intervalMs,
        faults: opts.faultRate > 0 ? 'random' : 'none',
        faultRate: opts.faultRate,
      },
      ids,
    );
    for (const message of trace) all.push(message);
  }
  // Stable: ties keep device order, so the output is deterministic.
  return all.sort((a, b) => a.receivedAt - b.receivedAt);
}

function traceDevice(opts: TraceOptions, fleet: readonly string[]): LabelledMessage[] {
  validate(opts);
  // Devices sharing a seed still differ: every stream is keyed by the device id too.
  const seed = deriveSeed(opts.seed, opts.deviceId);
  const device = new SimulatedDevice({
    seed,
    deviceId: opts.deviceId,
    kind: opts.kind,
    intervalMs: opts.intervalMs,
    startMs: opts.startMs,
    plan: faultPlan(opts, seed),
    fleet,
  });
  const network = Random.derive(seed, 'network');
  const endMs = opts.startMs + opts.durationMs;
  const out: LabelledMessage[] = [];
  for (let t = opts.startMs; t < endMs; ) {
    const { emissions, nextMs } = device.step(t);
    for (const emission of emissions) {
      if (emission.sentAt >= endMs) continue;
      out.push({
        deviceId: opts.deviceId,
        kind: opts.kind,
        topic: emission.topic,
        payload: emission.payload,
        receivedAt: Math.round(emission.sentAt + networkDelayMs(network)),
        label: emission.label,
      });
    }
    t = nextMs;
  }
  return out.sort((a, b) => a.receivedAt - b.receivedAt);
}

/** Wi-Fi plus broker latency: a few ms typically, with rare congestion stalls. */
function networkDelayMs(rng: Random): number {
  const base = 3 + rng.exponential(12);
  return rng.chance(0.01) ? base + rng.uniform(100, 800) : base;
}

function faultPlan(opts: TraceOptions, seed: number): FaultPlan {
  if (opts.faults === 'none') return NO_FAULTS;
  if (opts.faults === 'random') {
    return new RandomFaultPlan(
      Random.derive(seed, 'schedule'),
      opts.kind,
      opts.intervalMs,
      opts.faultRate ?? DEFAULT_FAULT_RATE,
      opts.startMs,
    );
  }
  if (!Array.isArray(opts.faults)) {
    throw new SimulatorInputError(`faults must be 'none', 'random' or a list of episodes`);
  }
  return new FixedFaultPlan(opts.faults, opts.kind, opts.startMs);
}

function validate(opts: TraceOptions): void {
  if (!Number.isSafeInteger(opts.seed)) {
    throw new SimulatorInputError(`seed must be a safe integer, got ${opts.seed}`);
  }
  if (typeof opts.deviceId !== 'string' || !DEVICE_ID_PATTERN.test(opts.deviceId)) {
    throw new SimulatorInputError(
      `deviceId must match ${DEVICE_ID_PATTERN}, got ${String(opts.deviceId)}`,
    );
  }
  if (!DEVICE_KINDS.includes(opts.kind)) {
    throw new SimulatorInputError(
      `kind must be one of ${DEVICE_KINDS.join(', ')}, got ${String(opts.kind)}`,
    );
  }
  if (!Number.isSafeInteger(opts.startMs) || opts.startMs < 0) {
    throw new SimulatorInputError(
      `startMs must be a non-negative integer (epoch ms), got ${opts.startMs}`,
    );
  }
  if (!Number.isFinite(opts.intervalMs) || opts.intervalMs < 50) {
    throw new SimulatorInputError(`intervalMs must be at least 50, got ${opts.intervalMs}`);
  }
  if (!Number.isFinite(opts.durationMs) || opts.durationMs < 0) {
    throw new SimulatorInputError(
      `durationMs must be a non-negative number, got ${opts.durationMs}`,
    );
  }
  if (opts.durationMs / opts.intervalMs > MAX_INTERVALS) {
    throw new SimulatorInputError(
      `durationMs / intervalMs must be at most ${MAX_INTERVALS} readings, got ${Math.ceil(opts.durationMs / opts.intervalMs)}`,
    );
  }
}

function requireCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > 10_000) {
    throw new SimulatorInputError(`${name} must be an integer in [0, 10000], got ${value}`);
  }
}
