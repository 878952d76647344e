import {
  type Decoded,
  decodeTelemetry,
  type LegacyToggles,
  type RejectReason,
} from '@vigil/protocol';
import {
  type BatchReading,
  type CatchUp,
  groupCaughtUp,
  MAX_CATCH_UP,
  planSpans,
  spanLength,
} from './catch-up';
import { FEATURE_COUNT, type MessageFacts, type TelemetryReading } from './features';
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
  /** Fetches readings other replicas stored between a window's newest reading and the batch. */
  catchUp?: CatchUp;
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
    const caughtUp = await this.catchUp(
      decoded.flatMap((d, i) =>
        d.ok
          ? [
              {
                deviceId: d.deviceId,
                boot: d.telemetry.boot,
                seq: d.telemetry.seq,
                tsMs: d.tsMs,
                receivedAt: (items[i] as ScoreItem).receivedAt,
              },
            ]
          : [],
      ),
    );
    const scratch = new Float32Array(FEATURE_COUNT);
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
      // Readings other replicas handled before this one come first, as a single server saw them.
      const missed = caughtUp.get(d.deviceId);
      while (
        missed !== undefined &&
        missed.length > 0 &&
        (missed[0] as TelemetryReading).seq < d.telemetry.seq
      ) {
        window.update(missed.shift() as TelemetryReading, scratch);
      }
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

  /** Per device, the readings other replicas stored that its window lacks, ascending seq. */
  private async catchUp(batch: BatchReading[]): Promise<Map<string, TelemetryReading[]>> {
    const fetch = this.options.catchUp;
    if (fetch === undefined || batch.length === 0) return new Map();
    const headOf = (id: string) => this.windows.peek(id)?.head ?? null;
    let spans = planSpans(batch, headOf);
    const far = spans.filter((span) => spanLength(span) > MAX_CATCH_UP);
    if (far.length > 0) {
      // Too far behind to fold in reading by reading: rebuild from the recent readings instead.
      for (const span of far) this.windows.evict(span.deviceId);
      await this.windows.prefetch(far.map((span) => span.deviceId));
      spans = planSpans(batch, headOf);
    }
    if (spans.length === 0) return new Map();
    return groupCaughtUp(await fetch(spans), batch);
  }
}
