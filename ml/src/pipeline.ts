import {
  type Decoded,
  decodeTelemetry,
  type LegacyToggles,
  type RejectReason,
} from '@vigil/protocol';
import { FEATURE_COUNT, type MessageFacts } from './features';
import { findingForReject } from './rules';
import { checkRules, DEFAULT_RULES, type RuleConfig } from './rules/rules';
import type { Finding } from './types';
import { type LoadRecent, WindowCache } from './window-cache';

/**
 * Readings a device window needs before the model's verdicts count: its per-metric quantiles and
 * longest normal runs are still being learned before that (rules apply from the first message).
 */
export const SETTLED_READINGS = 900;

/** One message to score, as received. */
export type ScoreItem = {
  /** The authenticated device (the topic's id). */
  deviceId: string;
  topic: string;
  /** The exact payload bytes received. */
  payload: Uint8Array;
  /** Epoch ms at the server. */
  receivedAt: number;
  /** The ingest path's own decode of this payload, to avoid decoding twice. */
  decoded?: Decoded;
};

/** A message after decoding, windowing and the rule detectors, before the model. */
export type PreparedItem = {
  /** The decoder's reject reason, or null for valid telemetry. */
  rejected: RejectReason | null;
  facts: MessageFacts | null;
  rule: Finding | null;
  /** Whether the device's window has seen enough readings for the model's verdict to count. */
  settled: boolean;
};

export type PipelineOptions = {
  /** Devices whose windows are kept (least recently used are dropped). Default 100,000. */
  maxDevices?: number;
  loadRecent?: LoadRecent;
  topicRoot?: string;
  legacy?: LegacyToggles;
  rules?: Partial<RuleConfig>;
};

/**
 * Decode -> per-device window -> feature row -> rule detectors, for a batch in arrival order.
 * Training, evaluation and the server's detector all go through it.
 */
export class FeaturePipeline {
  readonly windows: WindowCache;
  private readonly rules: RuleConfig;

  constructor(private readonly options: PipelineOptions = {}) {
    this.windows = new WindowCache(options.maxDevices ?? 100_000, options.loadRecent);
    this.rules = { ...DEFAULT_RULES, ...options.rules };
  }

  /**
   * Prepares `items`; row i of the returned matrix (row-major, FEATURE_COUNT wide) holds item i's
   * features (zeros for rejected items). Each call gets its own matrix, so rows handed out stay
   * valid while the next batch is prepared.
   */
  async prepare(
    items: readonly ScoreItem[],
  ): Promise<{ rows: Float32Array; prepared: PreparedItem[] }> {
    const rows = new Float32Array(items.length * FEATURE_COUNT);
    const decoded = items.map(
      (item) =>
        item.decoded ??
        decodeTelemetry(item.topic, item.payload, {
          receivedAt: item.receivedAt,
          topicRoot: this.options.topicRoot,
          legacy: this.options.legacy,
        }),
    );
    await this.windows.prefetch(decoded.flatMap((d) => (d.ok ? [d.deviceId] : [])));
    const prepared = decoded.map((d, i): PreparedItem => {
      if (!d.ok) {
        return {
          rejected: d.reason,
          facts: null,
          rule: findingForReject(d.reason),
          settled: false,
        };
      }
      const window = this.windows.get(d.deviceId);
      const facts = window.update(
        {
          receivedAt: (items[i] as ScoreItem).receivedAt,
          tsMs: d.tsMs,
          boot: d.telemetry.boot,
          seq: d.telemetry.seq,
          metrics: d.telemetry.metrics,
        },
        rows,
        i * FEATURE_COUNT,
      );
      const settled = window.size >= SETTLED_READINGS;
      return { rejected: null, facts, rule: checkRules(facts, this.rules), settled };
    });
    return { rows, prepared };
  }
}
