import type { Random } from '../random';
import {
  type DeviceKind,
  FAULT_TYPES,
  type FaultEpisode,
  type FaultType,
  SimulatorInputError,
} from '../types';
import { EPISODE_INTERVALS, FAULTS_BY_KIND } from './catalogue';

/** A scheduled episode in absolute time, [startMs, endMs); `index` identifies it within its plan. */
export type ScheduledEpisode = { index: number; type: FaultType; startMs: number; endMs: number };

/** When a device is under which fault. Queried with non-decreasing times. */
export interface FaultPlan {
  at(tMs: number): ScheduledEpisode | null;
}

/** No faults at all. */
export const NO_FAULTS: FaultPlan = { at: () => null };

/** A fixed list of episodes (offsets from `startMs`), validated against the device kind. */
export class FixedFaultPlan implements FaultPlan {
  private readonly episodes: ScheduledEpisode[];
  private next = 0;

  constructor(episodes: readonly FaultEpisode[], kind: DeviceKind, startMs: number) {
    this.episodes = episodes
      .map((episode, index) => {
        validateEpisode(episode, kind, index);
        return {
          index,
          type: episode.type,
          startMs: startMs + episode.atMs,
          endMs: startMs + episode.atMs + episode.durationMs,
        };
      })
      .sort((a, b) => a.startMs - b.startMs);
    for (let i = 1; i < this.episodes.length; i++) {
      const previous = this.episodes[i - 1] as ScheduledEpisode;
      const current = this.episodes[i] as ScheduledEpisode;
      if (current.startMs < previous.endMs) {
        throw new SimulatorInputError(
          `faults[${current.index}] (${current.type}) overlaps faults[${previous.index}] (${previous.type})`,
        );
      }
    }
  }

  at(tMs: number): ScheduledEpisode | null {
    while (
      this.next < this.episodes.length &&
      (this.episodes[this.next] as ScheduledEpisode).endMs <= tMs
    ) {
      this.next += 1;
    }
    const episode = this.episodes[this.next];
    return episode !== undefined && episode.startMs <= tMs ? episode : null;
  }
}

/**
 * Random episodes of the faults that apply to the kind, separated by exponential gaps sized so
 * that about `rate` of the time is under some fault. A minimum gap lets the device's rolling
 * windows settle between episodes, so very high rates come out somewhat lower than asked.
 */
export class RandomFaultPlan implements FaultPlan {
  private readonly types: readonly FaultType[];
  private readonly meanGapMs: number;
  private readonly minGapMs: number;
  private current: ScheduledEpisode;
  private count = 0;

  constructor(
    private readonly rng: Random,
    kind: DeviceKind,
    private readonly intervalMs: number,
    rate: number,
    startMs: number,
  ) {
    if (!(rate > 0 && rate < 1)) {
      throw new SimulatorInputError(`fault rate must be in (0, 1), got ${rate}`);
    }
    this.types = FAULTS_BY_KIND[kind];
    const meanEpisodeMs =
      (this.types.reduce((sum, type) => {
        const [min, max] = EPISODE_INTERVALS[type];
        return sum + (min + max) / 2;
      }, 0) /
        this.types.length) *
      intervalMs;
    this.minGapMs = 30 * intervalMs;
    this.meanGapMs = Math.max(0, (meanEpisodeMs * (1 - rate)) / rate - this.minGapMs);
    this.current = this.schedule(startMs);
  }

  at(tMs: number): ScheduledEpisode | null {
    while (tMs >= this.current.endMs) this.current = this.schedule(this.current.endMs);
    return tMs >= this.current.startMs ? this.current : null;
  }

  private schedule(afterMs: number): ScheduledEpisode {
    const type = this.rng.pick(this.types);
    const [min, max] = EPISODE_INTERVALS[type];
    const startMs = Math.round(afterMs + this.minGapMs + this.rng.exponential(this.meanGapMs));
    const durationMs = this.rng.int(min, max) * this.intervalMs;
    return { index: this.count++, type, startMs, endMs: startMs + durationMs };
  }
}

function validateEpisode(episode: FaultEpisode, kind: DeviceKind, index: number): void {
  const where = `faults[${index}]`;
  if (!FAULT_TYPES.includes(episode.type)) {
    throw new SimulatorInputError(
      `${where}.type must be one of ${FAULT_TYPES.join(', ')}, got ${String(episode.type)}`,
    );
  }
  if (!FAULTS_BY_KIND[kind].includes(episode.type)) {
    throw new SimulatorInputError(`${where}: ${episode.type} does not apply to a ${kind}`);
  }
  if (!Number.isFinite(episode.atMs) || episode.atMs < 0) {
    throw new SimulatorInputError(
      `${where}.atMs must be a non-negative number, got ${episode.atMs}`,
    );
  }
  if (!Number.isFinite(episode.durationMs) || episode.durationMs <= 0) {
    throw new SimulatorInputError(
      `${where}.durationMs must be positive, got ${episode.durationMs}`,
    );
  }
}
