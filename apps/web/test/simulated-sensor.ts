/**
 * A simulated sensor node for the browser tests: the simulator's own device model and fault
 * injectors, driven by the wall clock on its own MQTT connection, with faults injected on demand
 * (the fleet runner schedules them at random; a test needs them when it says so).
 */
import {
  type FaultPlan,
  type FaultType,
  type ScheduledEpisode,
  SimulatedDevice,
} from '@vigil/simulator';
import mqtt from 'mqtt';

/** A fault plan that is quiet until a test injects an episode starting now. */
class OnDemandFaultPlan implements FaultPlan {
  #episode: ScheduledEpisode | null = null;
  #count = 0;

  /** Puts the device under `type` over [startMs, endMs). */
  inject(type: FaultType, startMs: number, endMs: number): void {
    this.#episode = { index: this.#count++, type, startMs, endMs };
  }

  at(tMs: number): ScheduledEpisode | null {
    const episode = this.#episode;
    return episode !== null && episode.startMs <= tMs && tMs < episode.endMs ? episode : null;
  }
}

export type SimulatedSensor = {
  deviceId: string;
  /** Readings sent so far, by label ('normal' for those outside any fault). */
  sent(): Record<string, number>;
  /**
   * Injects `type` for the next `readings` readings; resolves once they are all sent (the broker
   * acknowledged them).
   */
  inject(type: FaultType, readings: number): Promise<void>;
  stop(): Promise<void>;
};

/** Connects a simulated sensor node to `url` and starts reporting every `intervalMs`. */
export async function startSimulatedSensor(options: {
  url: string;
  deviceId: string;
  intervalMs: number;
  seed: number;
}): Promise<SimulatedSensor> {
  const plan = new OnDemandFaultPlan();
  const device = new SimulatedDevice({
    seed: options.seed,
    deviceId: options.deviceId,
    kind: 'sensor',
    intervalMs: options.intervalMs,
    startMs: Date.now(),
    plan,
  });
  const client = await mqtt.connectAsync(options.url, { clientId: options.deviceId });
  const counts: Record<string, number> = {};
  let stopped = false;
  let nextMs = Date.now();
  /** Report time of the newest reading the broker acknowledged. */
  let sentThrough = -1;
  /** Resolved by the loop after each reading is acknowledged by the broker. */
  let onSent: (() => void) | undefined;

  const loop = (async () => {
    while (!stopped) {
      const at = nextMs;
      const step = device.step(at);
      // Advanced before publishing, so an injection from now on starts at an unsent report.
      nextMs = step.nextMs;
      for (const emission of step.emissions) {
        await client.publishAsync(emission.topic, emission.payload, { qos: 1 });
        const label = emission.label ?? 'normal';
        counts[label] = (counts[label] ?? 0) + 1;
      }
      sentThrough = at;
      onSent?.();
      await Bun.sleep(Math.max(0, nextMs - Date.now()));
    }
  })();

  return {
    deviceId: options.deviceId,
    sent: () => ({ ...counts }),
    async inject(type, readings) {
      // The episode covers exactly the next `readings` report times.
      const startMs = nextMs;
      const lastMs = startMs + (readings - 1) * options.intervalMs;
      plan.inject(type, startMs, lastMs + options.intervalMs);
      while (sentThrough < lastMs && !stopped) {
        await new Promise<void>((resolve) => {
          onSent = resolve;
        });
      }
    },
    async stop() {
      stopped = true;
      onSent?.();
      await loop;
      await client.endAsync();
    },
  };
}
