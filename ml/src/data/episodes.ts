import { FAULT_TYPES, type FaultType } from '../types';
import type { ScoredMessage } from './score-messages';

/**
 * Unlabelled messages of the device that may fall between two labelled ones of the same episode:
 * replayed, flooded and impostor messages are interleaved with the device's own normal ones.
 */
const EPISODE_GAP = 10;

export type EpisodeMetrics = {
  /** Fault episodes of this type (labelled runs per device). */
  episodes: number;
  /** Episodes with at least one message flagged (any type). */
  detected: number;
  /** Median, over detected episodes, of the labelled messages before the first flagged one. */
  medianDelay: number;
  /** Median, over detected episodes, of that delay as a share of the episode's labelled messages. */
  medianDelayShare: number;
};

type Open = { label: FaultType; length: number; firstFlag: number; lastSeen: number };

/**
 * Episode-level detection, the complement of the per-message figures: a drift episode whose first
 * minutes pass unflagged still counts as detected once any of its messages is flagged, and the
 * delay says how long that took. An episode is a device's run of messages carrying one label,
 * tolerating up to EPISODE_GAP unlabelled messages of the device between two of them.
 */
export function episodeMetrics(
  messages: readonly ScoredMessage[],
): Record<FaultType, EpisodeMetrics> {
  const delays = new Map<FaultType, { messages: number[]; shares: number[]; episodes: number }>(
    FAULT_TYPES.map((t) => [t, { messages: [], shares: [], episodes: 0 }]),
  );
  const open = new Map<string, Open>();
  const seen = new Map<string, number>();
  const close = (episode: Open) => {
    const d = delays.get(episode.label);
    if (d === undefined) return;
    d.episodes += 1;
    if (episode.firstFlag >= 0) {
      d.messages.push(episode.firstFlag);
      d.shares.push(episode.firstFlag / episode.length);
    }
  };
  for (const m of messages) {
    const n = (seen.get(m.deviceId) ?? 0) + 1;
    seen.set(m.deviceId, n);
    const current = open.get(m.deviceId);
    const ended =
      current !== undefined &&
      (n - current.lastSeen > EPISODE_GAP || (m.label !== null && m.label !== current.label));
    if (current !== undefined && ended) {
      close(current);
      open.delete(m.deviceId);
    }
    if (m.label === null) continue;
    let episode = open.get(m.deviceId);
    if (episode === undefined) {
      episode = { label: m.label, length: 0, firstFlag: -1, lastSeen: n };
      open.set(m.deviceId, episode);
    }
    if (m.anomaly && episode.firstFlag < 0) episode.firstFlag = episode.length;
    episode.length += 1;
    episode.lastSeen = n;
  }
  for (const episode of open.values()) close(episode);

  const out = {} as Record<FaultType, EpisodeMetrics>;
  for (const type of FAULT_TYPES) {
    const d = delays.get(type) ?? { messages: [], shares: [], episodes: 0 };
    out[type] = {
      episodes: d.episodes,
      detected: d.messages.length,
      medianDelay: median(d.messages),
      medianDelayShare: median(d.shares),
    };
  }
  return out;
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] as number;
}
