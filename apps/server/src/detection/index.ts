/**
 * The detection module: after ingest batches commit, their readings are scored in batched ONNX
 * runs (with the rule detectors), gathered up to 250 readings or 20 ms per run; anomalies are
 * stored with the exact raw payload and their evidence leaf queued in the same transaction, then
 * published on the bus and counted. Batches are scored strictly in commit order, so per-device
 * windows see readings in order; the anomalies of runs scored while a store commits are stored
 * together next (group commit).
 */
import { createHash } from 'node:crypto';
import { Detector, featureRecord, type ScoreItem } from '@vigil/ml/detector';
import type { Telemetry } from '@vigil/protocol';
import type { Registry } from 'prom-client';
import type { EventBus } from '../events/bus';
import type { Logger } from '../log';
import type { Database, Transaction } from '../telemetry/database';
import { readingKey } from '../telemetry/reading-key';
import { createAnomalyWriter } from './anomaly-writer';
import { createGather, type GatherOptions } from './gather';
import { createDetectionMetrics } from './metrics';
import { createMissedReadings } from './missed-readings';
import { createRecentReadings } from './recent-readings';
import { Anomalies, type Anomaly, type NewAnomaly } from './schema';

export { DetectorLoadError } from '@vigil/ml/detector';

/** A reading that has just been committed, with the bytes it arrived as. */
export type CommittedReading = {
  deviceId: string;
  topic: string;
  payload: Uint8Array;
  /** Epoch ms at the server. */
  receivedAt: number;
  /** The reading's key in `readings`. */
  tsMs: number;
  boot: number;
  seq: number;
  /** The ingest path's decode of `payload`; detection decodes the payload itself without it. */
  telemetry?: Telemetry;
  /**
   * Already stored when it arrived: the broker delivered it again because its acknowledgement
   * never left (a crash or a reconnect before scoring finished). Scored only if this process has
   * not scored it yet.
   */
  redelivered?: boolean;
};

export type DetectionOptions = {
  database: Database;
  metrics: Registry;
  log: Logger;
  bus?: EventBus;
  model: { modelPath: string; metadataPath: string; threshold?: number };
  /** Devices whose windows stay in memory (least recently used are dropped). */
  maxDevices?: number;
  topicRoot?: string;
  legacy?: { flat: boolean; node: boolean; drone: boolean };
  /**
   * Other live replicas in the share group. While there are any, a window's missing readings may
   * still be committing elsewhere, and scoring waits briefly for them.
   */
  livePeers?: () => number;
  /** Runs inside the transaction that stores anomalies (the evidence outbox). */
  onStored?: (tx: Transaction, anomalies: Anomaly[]) => Promise<void>;
  /** How submitted batches are gathered into scoring runs (default: 250 readings or 20 ms). */
  gather?: GatherOptions;
};

export type Detection = {
  /**
   * Queues a committed batch for scoring (in order, gathered with the batches around it into one
   * run); resolves once it is handled, never rejects.
   */
  submit(readings: readonly CommittedReading[]): Promise<void>;
  /** Readings submitted and not yet scored and stored (ingest stops reading while this is too high). */
  readonly backlog: number;
  /** Scores one batch (after those submitted before it) and returns the anomalies stored for it. */
  scoreBatch(readings: readonly CommittedReading[]): Promise<Anomaly[]>;
  /** Resolves when every submitted batch has been handled. */
  idle(): Promise<void>;
  readonly detector: Detector;
  close(): Promise<void>;
};

const STORE_ATTEMPTS = 5;

/**
 * Submitted batches are scored in runs of at least 250 readings, or what arrived within 20 ms:
 * at 16,700 msg/s that is 15 ms of traffic, and an anomaly is published at most 20 ms later.
 */
const GATHER: GatherOptions = { minItems: 250, maxWaitMs: 20 };

/**
 * Loads the model and creates the detection service.
 *
 * @throws DetectorLoadError when the model or its metadata is missing, corrupt or mismatched.
 */
export async function createDetection(options: DetectionOptions): Promise<Detection> {
  const { database, bus } = options;
  const log = options.log.child({ module: 'detection' });
  const recent = createRecentReadings(database);
  const detector = await Detector.load(options.model, {
    threshold: options.model.threshold,
    maxDevices: options.maxDevices,
    loadRecent: recent.load,
    catchUp: createMissedReadings(database, { livePeers: options.livePeers }),
    topicRoot: options.topicRoot,
    legacy: options.legacy,
  });
  const metrics = createDetectionMetrics(options.metrics);
  const modelSha256 = Buffer.from(detector.metadata.modelSha256, 'hex');
  /** Settles when every batch submitted so far has been scored. */
  let scoring: Promise<void> = Promise.resolve();
  /** Settles when every batch submitted so far has been scored and its anomalies stored. */
  let handled: Promise<void> = Promise.resolve();
  let backlog = 0;
  const scoredSessions = createScoredSessions(options.maxDevices ?? 100_000);

  const store = async (rows: NewAnomaly[]): Promise<Anomaly[]> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await database.transaction(async (tx) => {
          // A reading scored before a crash and again after its redelivery keeps one anomaly.
          const stored = await tx.insert(Anomalies).values(rows).onConflictDoNothing().returning();
          await options.onStored?.(tx, stored);
          return stored;
        });
      } catch (error) {
        if (attempt >= STORE_ATTEMPTS) throw error;
        log.warn('storing anomalies failed; retrying', { error, attempt });
        await Bun.sleep(100 * 2 ** attempt);
      }
    }
  };

  const writeAnomalies = createAnomalyWriter(store);

  /** Scores a batch and returns the anomaly rows to store for it, and when scoring started. */
  const score = async (
    submitted: readonly CommittedReading[],
  ): Promise<{ rows: NewAnomaly[]; started: number }> => {
    const started = performance.now();
    // A redelivered reading this process already scored would look like a replay to its window:
    // one scored by an earlier run, or one whose original is earlier in this run (two batches
    // gathered into one). Earlier runs are judged by the sessions as they were before this run,
    // since a newer reading earlier in the run says nothing about an older one.
    const readings: CommittedReading[] = [];
    let inRun: Set<string> | null = null;
    for (const r of submitted) {
      if (r.redelivered) {
        if (scoredSessions.has(r)) continue;
        inRun ??= new Set(readings.map(rowKey));
        if (inRun.has(rowKey(r))) continue;
      }
      readings.push(r);
      inRun?.add(rowKey(r));
    }
    if (readings.length === 0) return { rows: [], started };
    const cutoffs = new Map<string, number>();
    for (const r of readings) {
      const cutoff = cutoffs.get(r.deviceId);
      if (cutoff === undefined || r.tsMs < cutoff) cutoffs.set(r.deviceId, r.tsMs);
      scoredSessions.add(r);
    }
    scoredSessions.touch(cutoffs.keys());
    recent.startBatch(cutoffs);
    const verdicts = await detector.scoreBatch(readings.map(toScoreItem));
    metrics.scored.inc(readings.length);
    const detectedAt = new Date();
    const rows: NewAnomaly[] = [];
    verdicts.forEach((verdict, i) => {
      if (!verdict.anomaly || verdict.type === null || verdict.severity === null) return;
      const reading = readings[i] as CommittedReading;
      rows.push({
        deviceId: reading.deviceId,
        readingTs: new Date(reading.tsMs),
        readingBoot: reading.boot,
        readingSeq: reading.seq,
        detectedAt,
        type: verdict.type,
        severity: verdict.severity,
        score: verdict.score,
        features: finiteFeatures(featureRecord(verdict.features)),
        // A copy: the evidence must not share memory with the receive buffer it arrived in.
        payload: Uint8Array.from(reading.payload),
        payloadSha256: createHash('sha256').update(reading.payload).digest(),
        modelSha256,
        threshold: detector.threshold,
      });
    });
    return { rows, started };
  };

  /** Stores a scored batch's anomalies (group commit), then publishes and counts them. */
  const storeAndPublish = async ({
    rows,
    started,
  }: {
    rows: NewAnomaly[];
    started: number;
  }): Promise<Anomaly[]> => {
    const stored = await writeAnomalies(rows);
    metrics.batchSeconds.observe((performance.now() - started) / 1000);
    for (const anomaly of stored) {
      metrics.anomalies.inc({ type: anomaly.type, severity: anomaly.severity });
      bus?.publish({
        type: 'anomaly',
        anomalyId: anomaly.id.toString(),
        deviceId: anomaly.deviceId,
        ts: anomaly.readingTs.getTime(),
        anomalyType: anomaly.type,
        severity: anomaly.severity as 'low' | 'medium' | 'high' | 'critical',
        score: anomaly.score,
      });
    }
    return stored;
  };

  /**
   * Scores `readings` after every batch submitted before them, and stores what it finds. The next
   * batch's scoring waits only for this scoring, not for the commit of its anomalies.
   */
  const handle = (readings: readonly CommittedReading[]) => {
    const scored = scoring.then(() => score(readings));
    scoring = scored.then(
      () => undefined,
      () => undefined,
    );
    return scored.then(storeAndPublish);
  };

  const gather = createGather<CommittedReading>(
    (readings) => handle(readings).then(() => undefined),
    options.gather ?? GATHER,
  );

  return {
    detector,
    scoreBatch: handle,
    get backlog() {
      return backlog;
    },
    submit(readings) {
      if (readings.length === 0) return handled;
      metrics.queued.inc();
      backlog += readings.length;
      const done = gather
        .add(readings)
        .then(
          () => undefined,
          (error: unknown) => {
            metrics.failures.inc();
            log.error('scoring a committed batch failed', { error, readings: readings.length });
          },
        )
        .finally(() => {
          metrics.queued.dec();
          backlog -= readings.length;
        });
      handled = Promise.all([handled, done]).then(() => undefined);
      return done;
    },
    idle() {
      gather.flush();
      return handled;
    },
    async close() {
      gather.flush();
      await handled;
      await detector.close();
    },
  };
}

/**
 * The newest (boot, seq) this process has scored per device, least recently used dropped beyond
 * `max`: enough to tell a redelivery of something already scored from one scored by nobody yet.
 */
function createScoredSessions(max: number) {
  const newest = new Map<string, { boot: number; seq: number }>();
  return {
    has(r: CommittedReading): boolean {
      const last = newest.get(r.deviceId);
      return last !== undefined && last.boot === r.boot && r.seq <= last.seq;
    },
    /** Records a scored reading, in place: the recency order is kept per batch by touch(). */
    add(r: CommittedReading): void {
      const last = newest.get(r.deviceId);
      if (last === undefined) newest.set(r.deviceId, { boot: r.boot, seq: r.seq });
      else if (last.boot !== r.boot || r.seq > last.seq) {
        last.boot = r.boot;
        last.seq = r.seq;
      }
    },
    /** Marks a batch's devices as the most recently used, and drops the least recent beyond max. */
    touch(deviceIds: Iterable<string>): void {
      for (const id of deviceIds) {
        const last = newest.get(id);
        if (last === undefined) continue;
        newest.delete(id);
        newest.set(id, last);
      }
      while (newest.size > max) newest.delete(newest.keys().next().value as string);
    },
  };
}

/** A committed reading's key in `readings`. */
function rowKey(r: CommittedReading): string {
  return readingKey(r.deviceId, r.tsMs, r.boot, r.seq);
}

/** What the detector scores: the message as received, with the ingest path's decode when known. */
function toScoreItem(r: CommittedReading): ScoreItem {
  const item: ScoreItem = {
    deviceId: r.deviceId,
    topic: r.topic,
    payload: r.payload,
    receivedAt: r.receivedAt,
  };
  if (r.telemetry !== undefined) {
    item.decoded = { ok: true, deviceId: r.deviceId, telemetry: r.telemetry, tsMs: r.tsMs };
  }
  return item;
}

/** JSON has no NaN or Infinity; a feature that is not finite is stored as null. */
function finiteFeatures(record: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(record)) {
    out[name] = Number.isFinite(value) ? value : (null as unknown as number);
  }
  return out;
}
