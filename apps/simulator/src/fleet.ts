import { SimulatedDevice } from './device';
import { fleetDeviceIds } from './device-ids';
import { type FaultPlan, NO_FAULTS, RandomFaultPlan } from './faults/plan';
import { type DeviceCredentials, LiveDevice, type LiveDeviceStats } from './live-device';
import { deriveSeed, Random } from './random';
import { type DeviceKind, type FaultType, SimulatorInputError } from './types';

export type FleetOptions = {
  /** Broker URL: mqtt://, mqtts://, tcp://, ws:// or wss://. */
  url: string;
  sensors: number;
  drones: number;
  /** Normal reporting interval per device. */
  intervalMs: number;
  /** Fraction of time each device spends under some fault (0 = none). */
  faultRate: number;
  /** Fraction of devices speaking the legacy `iot/node|drone/<id>/telemetry` shapes (default 0). */
  legacyFraction?: number;
  /** Stop by itself after this long (default: run until stopped). */
  durationMs?: number;
  idPrefix?: string;
  topicRoot?: string;
  /** Credentials per device, for brokers that require them. */
  credentials?: (deviceId: string) => DeviceCredentials | undefined;
  /** Connections opened at once while starting (default 50). */
  connectConcurrency?: number;
  connectTimeoutMs?: number;
  /** Publishes per device awaiting PUBACK before readings are skipped (default 100). */
  maxInFlight?: number;
  fw?: string;
  /** Transient client errors after start (reconnects, failed publishes). */
  onError?: (deviceId: string, error: Error) => void;
};

export type FleetStats = Omit<LiveDeviceStats, 'faults'> & {
  devices: number;
  connected: number;
  faults: Partial<Record<FaultType, number>>;
};

export type RunningFleet = {
  deviceIds: readonly string[];
  stats(): FleetStats;
  /** Drops one device's connection without DISCONNECT, so the broker publishes its Will. */
  kill(deviceId: string): void;
  /** Stops every device cleanly (offline state, DISCONNECT); idempotent. */
  stop(): Promise<FleetStats>;
  /** Resolves once the fleet has stopped, by `stop()` or after `durationMs`. */
  finished: Promise<FleetStats>;
};

export const FIRMWARE_VERSION = '0.1.0-sim';

/** Connects a simulated fleet to a broker and starts reporting; rejects if any device cannot connect. */
export async function startFleet(options: FleetOptions): Promise<RunningFleet> {
  validateFleetOptions(options);
  const startMs = Date.now();
  // Live devices pick a fresh boot per power-up, so a restarted fleet is never deduplicated
  // against the previous run's (boot, seq) pairs.
  const runSeed = crypto.getRandomValues(new Uint32Array(1))[0] ?? startMs;
  const ids = fleetDeviceIds(options.sensors, options.drones, options.idPrefix ?? '');
  const fleetIds = ids.map((entry) => entry.deviceId);
  const legacy = options.legacyFraction ?? 0;
  const devices = ids.map(({ deviceId, kind }, i) => {
    const seed = deriveSeed(runSeed, deviceId);
    const simulated = new SimulatedDevice({
      seed,
      deviceId,
      kind,
      intervalMs: options.intervalMs,
      startMs,
      plan: livePlan(options, seed, kind, startMs),
      fleet: fleetIds,
      // Spread legacy devices evenly: device i is legacy when i*fraction crosses an integer.
      format: Math.floor((i + 1) * legacy) > Math.floor(i * legacy) ? 'legacy' : 'v1',
      topicRoot: options.topicRoot,
    });
    return new LiveDevice({
      url: options.url,
      device: simulated,
      fw: options.fw ?? FIRMWARE_VERSION,
      model: kind === 'sensor' ? 'vigil-sim-sensor' : 'vigil-sim-drone',
      credentials: options.credentials?.(deviceId),
      topicRoot: options.topicRoot,
      maxInFlight: options.maxInFlight ?? 100,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      onError: (error) => options.onError?.(deviceId, error),
    });
  });

  try {
    await inBatches(devices, options.connectConcurrency ?? 50, (device) => device.start());
  } catch (error) {
    await Promise.allSettled(devices.map((device) => device.stop()));
    throw error;
  }

  const stats = () => sumStats(devices);
  let markFinished: (result: FleetStats) => void = () => {};
  const finished = new Promise<FleetStats>((resolve) => {
    markFinished = resolve;
  });
  let stopping: Promise<FleetStats> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      clearTimeout(durationTimer);
      await Promise.allSettled(devices.map((device) => device.stop()));
      const result = stats();
      markFinished(result);
      return result;
    })();
    return stopping;
  };
  const durationTimer =
    options.durationMs === undefined
      ? undefined
      : setTimeout(() => void stop(), options.durationMs);

  return {
    deviceIds: devices.map((device) => device.deviceId),
    stats,
    kill(deviceId: string) {
      const device = devices.find((candidate) => candidate.deviceId === deviceId);
      if (device === undefined)
        throw new SimulatorInputError(`no device ${deviceId} in this fleet`);
      device.kill();
    },
    stop,
    finished,
  };
}

function livePlan(
  options: FleetOptions,
  seed: number,
  kind: DeviceKind,
  startMs: number,
): FaultPlan {
  if (options.faultRate === 0) return NO_FAULTS;
  return new RandomFaultPlan(
    Random.derive(seed, 'schedule'),
    kind,
    options.intervalMs,
    options.faultRate,
    startMs,
  );
}

function sumStats(devices: readonly LiveDevice[]): FleetStats {
  const total: FleetStats = {
    devices: devices.length,
    connected: 0,
    sent: 0,
    acked: 0,
    failed: 0,
    skipped: 0,
    commandsRun: 0,
    commandsRepeated: 0,
    faults: {},
  };
  for (const device of devices) {
    if (device.connected) total.connected += 1;
    total.sent += device.stats.sent;
    total.acked += device.stats.acked;
    total.failed += device.stats.failed;
    total.skipped += device.stats.skipped;
    total.commandsRun += device.stats.commandsRun;
    total.commandsRepeated += device.stats.commandsRepeated;
    for (const [type, count] of Object.entries(device.stats.faults) as Array<[FaultType, number]>) {
      total.faults[type] = (total.faults[type] ?? 0) + count;
    }
  }
  return total;
}

/** Runs `task` over `items`, at most `size` at a time; rejects with the first failure. */
async function inBatches<T>(items: readonly T[], size: number, task: (item: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += size) {
    await Promise.all(items.slice(i, i + size).map(task));
  }
}

/** Throws a SimulatorInputError naming the first option that is out of range. */
export function validateFleetOptions(options: FleetOptions): void {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new SimulatorInputError(
      `url must be a broker URL such as mqtt://127.0.0.1:1883, got ${options.url}`,
    );
  }
  if (!['mqtt:', 'mqtts:', 'tcp:', 'ws:', 'wss:'].includes(url.protocol)) {
    throw new SimulatorInputError(`url must use mqtt, mqtts, tcp, ws or wss, got ${url.protocol}`);
  }
  for (const name of ['sensors', 'drones'] as const) {
    const value = options[name];
    if (!Number.isSafeInteger(value) || value < 0 || value > 10_000) {
      throw new SimulatorInputError(`${name} must be an integer in [0, 10000], got ${value}`);
    }
  }
  if (options.sensors + options.drones === 0) {
    throw new SimulatorInputError('the fleet needs at least one sensor or drone');
  }
  if (!Number.isFinite(options.intervalMs) || options.intervalMs < 50) {
    throw new SimulatorInputError(`intervalMs must be at least 50, got ${options.intervalMs}`);
  }
  if (!(options.faultRate >= 0 && options.faultRate < 1)) {
    throw new SimulatorInputError(`faultRate must be in [0, 1), got ${options.faultRate}`);
  }
  const legacy = options.legacyFraction ?? 0;
  if (!(legacy >= 0 && legacy <= 1)) {
    throw new SimulatorInputError(`legacyFraction must be in [0, 1], got ${legacy}`);
  }
  if (
    options.durationMs !== undefined &&
    !(options.durationMs > 0 && Number.isFinite(options.durationMs))
  ) {
    throw new SimulatorInputError(
      `durationMs must be a positive number, got ${options.durationMs}`,
    );
  }
}
