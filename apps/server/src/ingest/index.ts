/**
 * The ingest module: MQTT consumers -> decode and validate -> batch -> one transaction per batch
 * -> acknowledge the batch to the broker -> publish events and count. A message is acknowledged
 * only after the transaction holding it (as a reading or a dead letter) commits, so a crash at
 * any point loses nothing: the broker redelivers, and the unique key drops the duplicates.
 */
import { LEGACY_TOPICS } from '@vigil/protocol';
import type { Registry } from 'prom-client';
import type { Config } from '../config';
import type { EventBus } from '../events/bus';
import type { Logger } from '../log';
import type { Database } from '../telemetry/database';
import { consumerClientId } from './adoption-plan';
import { Batcher } from './batcher';
import { createDeviceCache } from './device-cache';
import { createFlushWriter, type FlushResult } from './flush-writer';
import { type IngestItem, toIngestItem } from './intake';
import type { Membership } from './members';
import { createIngestMetrics, type IngestMetrics } from './metrics';
import { MqttConsumer, type MqttConsumerOptions } from './mqtt-consumer';
import { type AdoptedSession, startTakeover, type Takeover } from './takeover';

export { type Membership, startMembership } from './members';

export type IngestDeps = {
  config: Config;
  database: Database;
  metrics: Registry;
  bus: EventBus;
  log: Logger;
  /** Receives each batch's newly stored readings after its commit (detection scores them). */
  committed?: CommittedSink;
  /**
   * The share group's membership (see members.ts): with it, ingest adopts the sessions of dead or
   * stopped members. Started before ingest, so the member is announced before it connects.
   */
  membership?: Pick<Membership, 'clientId' | 'roster' | 'onRoster'>;
};

/**
 * Work that runs behind the commit on the stored readings. Ingest stops reading from the broker
 * while its backlog exceeds INGEST_MAX_INFLIGHT, so a slow scorer bounds memory instead of
 * queueing without limit (the broker holds the rest, unacknowledged).
 */
export type CommittedSink = {
  /** Resolves once the readings are handled; the batch is acknowledged to the broker only then. */
  submit(
    readings: Array<FlushResult['inserted'][number] & { redelivered?: boolean }>,
  ): Promise<void>;
  readonly backlog: number;
};

/** How often a lagging sink's backlog is checked while reading is paused for it. */
const SINK_POLL_MS = 20;

export type Ingest = {
  /** Stops reading, commits and acknowledges what is held (within a few seconds), disconnects. */
  stop(): Promise<void>;
  /** Every consumer connection is up and subscribed. */
  connected(): boolean;
};

/** How long start waits for the broker before returning anyway (consumers keep retrying). */
const START_WAIT_MS = 5_000;
const STOP_FLUSH_MS = 5_000;

/** Topic filters ingest subscribes to: v1 telemetry, plus each enabled legacy topic. */
export function subscriptionFilters(config: Pick<Config, 'mqtt' | 'ingest'>): string[] {
  const { legacy } = config.ingest;
  return [
    `${config.mqtt.topicRoot}/+/telemetry`,
    ...(legacy.flat ? [LEGACY_TOPICS.flat] : []),
    ...(legacy.node ? [LEGACY_TOPICS.node] : []),
    ...(legacy.drone ? [LEGACY_TOPICS.drone] : []),
  ];
}

/** Starts ingest against config.mqtt.url (main.ts sets it to the embedded broker when absent). */
export async function startIngest(deps: IngestDeps): Promise<Ingest> {
  const { config, database, bus } = deps;
  const log = deps.log.child({ module: 'ingest' });
  const url = config.mqtt.url;
  if (url === undefined) throw new Error('ingest needs a broker URL (config.mqtt.url)');
  const metrics = createIngestMetrics(deps.metrics);
  const devices = createDeviceCache(database);
  /** This process's own connections; adopted ones join `reading` only. */
  const consumers: MqttConsumer[] = [];
  const reading = new Set<MqttConsumer>();
  // Reading pauses while either the batcher (database) or the committed sink (scoring) lags.
  const pausedBy = { batcher: false, sink: false };
  const isPaused = () => pausedBy.batcher || pausedBy.sink;
  const applyPause = () => {
    const paused = isPaused();
    for (const consumer of reading) {
      if (paused) consumer.pause();
      else consumer.resume();
    }
  };
  const sink = deps.committed;
  /** Acknowledgements in batch order, each after its batch's sink work. */
  let acknowledged: Promise<void> = Promise.resolve();
  const sinkLimit = config.ingest.maxInflight;
  let sinkTimer: ReturnType<typeof setInterval> | null = null;
  const watchSink = () => {
    if (sink === undefined || pausedBy.sink || sink.backlog <= sinkLimit) return;
    pausedBy.sink = true;
    log.debug('pausing intake: scoring is behind', { backlog: sink.backlog });
    applyPause();
    sinkTimer = setInterval(() => {
      if (sink.backlog > sinkLimit / 2) return;
      if (sinkTimer !== null) clearInterval(sinkTimer);
      sinkTimer = null;
      pausedBy.sink = false;
      applyPause();
    }, SINK_POLL_MS);
  };

  const batcher = new Batcher<IngestItem, FlushResult>({
    batchSize: config.ingest.batchSize,
    flushMs: config.ingest.flushMs,
    maxHeld: config.ingest.maxInflight,
    write: createFlushWriter(database, devices, config.ingest.unknownDevices),
    committed: (items, result, elapsedMs) => {
      try {
        // With a sink (detection) the acknowledgement waits until it has scored the batch, so a
        // crash in between makes the broker deliver the batch again and nothing goes unscored.
        const handled =
          sink === undefined
            ? undefined
            : sink.submit([
                ...result.inserted,
                ...result.redelivered.map((r) => ({ ...r, redelivered: true })),
              ]);
        acknowledged = acknowledged
          .then(() => handled)
          .then(() => acknowledge(items))
          .catch((error: unknown) => log.error('acknowledging a batch failed', { error }));
        if (handled !== undefined) watchSink();
        record(metrics, items, result, elapsedMs);
        for (const id of result.registered)
          bus.publish({ type: 'device_registered', deviceId: id });
        for (const r of result.inserted) {
          bus.publish({ type: 'telemetry', deviceId: r.deviceId, ts: r.tsMs, metrics: r.metrics });
        }
      } catch (error) {
        log.error('post-commit step failed', { error });
      }
    },
    backpressure: (paused) => {
      log.debug(paused ? 'pausing intake' : 'resuming intake', { held: batcher.held });
      pausedBy.batcher = paused;
      applyPause();
    },
    writeFailed: (error, attempt, delayMs) => {
      log.warn('flush failed; holding the batch and retrying', { error, attempt, delayMs });
    },
  });

  const intake = { topicRoot: config.mqtt.topicRoot, legacy: config.ingest.legacy };
  const filters = subscriptionFilters(config);
  const openConsumer = (
    clientId: string,
    extra: Pick<MqttConsumerOptions, 'reconnect' | 'onEnded' | 'log'> = { log },
  ) => {
    const consumer = new MqttConsumer({
      url,
      clientId,
      ...(config.mqtt.username !== undefined ? { username: config.mqtt.username } : {}),
      ...(config.mqtt.password !== undefined ? { password: config.mqtt.password } : {}),
      ...(config.mqttTls !== undefined ? { tls: config.mqttTls } : {}),
      filters,
      shareGroup: config.mqtt.shareGroup,
      receiveMaximum: Math.max(1, Math.floor(config.ingest.maxInflight / config.mqtt.consumers)),
      onMessage: (message) => {
        metrics.received.inc();
        batcher.add(toIngestItem(message, intake));
      },
      ...extra,
    });
    reading.add(consumer);
    if (isPaused()) consumer.pause();
    return consumer;
  };
  // Stable ids: each connection owns a persistent session the broker keeps across restarts.
  for (let i = 0; i < config.mqtt.consumers; i += 1) {
    consumers.push(openConsumer(consumerClientId(config.mqtt.clientId, i)));
  }

  /** An orphaned session's connection, feeding the same batcher and acknowledgements. */
  const adopt = (
    sessionId: string,
    ended: (ended: { takenOver: boolean }) => void,
  ): AdoptedSession => {
    const consumer = openConsumer(sessionId, {
      reconnect: false,
      onEnded: (how) => {
        reading.delete(consumer);
        ended(how);
      },
      log: log.child({ adopted: sessionId }),
    });
    void consumer.start();
    return {
      async release() {
        reading.delete(consumer);
        consumer.pause();
        // What it delivered is committed and acknowledged on its own connection; anything left
        // unacknowledged goes back to the owner's session and the unique key drops repeats.
        const deadline = Date.now() + STOP_FLUSH_MS;
        while (consumer.unacknowledged > 0 && !batcher.failing && Date.now() < deadline) {
          await Bun.sleep(SINK_POLL_MS);
        }
        await consumer.stop();
      },
    };
  };

  const ready = Promise.all(consumers.map((c) => c.start()));
  const waited = await Promise.race([
    ready.then(() => true),
    Bun.sleep(START_WAIT_MS).then(() => false),
  ]);
  if (!waited) log.warn('broker not reachable yet; ingest keeps retrying', { url: redact(url) });
  const takeover: Takeover | null =
    deps.membership === undefined
      ? null
      : startTakeover({ membership: deps.membership, adopt, log, metrics });

  return {
    connected: () => consumers.every((c) => c.ready),
    async stop() {
      if (sinkTimer !== null) clearInterval(sinkTimer);
      await takeover?.stop();
      for (const consumer of consumers) consumer.pause();
      // With the database down nothing can commit; the broker keeps the unacknowledged messages.
      if (!batcher.failing) {
        await Promise.race([batcher.flush().then(() => acknowledged), Bun.sleep(STOP_FLUSH_MS)]);
      }
      await Promise.all(consumers.map((c) => c.stop()));
      await batcher.stop();
    },
  };
}

/** Sends the batch's PUBACKs, per connection, in arrival order, one write per connection. */
function acknowledge(items: readonly IngestItem[]): void {
  const pending = new Map<MqttConsumer, { generation: number; ids: number[] }>();
  for (const item of items) {
    const ack = item.ack;
    if (ack === null) continue;
    const entry = pending.get(ack.consumer);
    // Items arrive in order, so a newer generation means the older ids are already stale.
    if (entry === undefined || entry.generation !== ack.generation) {
      pending.set(ack.consumer, { generation: ack.generation, ids: [ack.packetId] });
    } else entry.ids.push(ack.packetId);
  }
  for (const [consumer, { generation, ids }] of pending) consumer.acknowledge(ids, generation);
}

function record(
  metrics: IngestMetrics,
  items: readonly IngestItem[],
  result: FlushResult,
  elapsedMs: number,
): void {
  const now = Date.now();
  metrics.batchSize.observe(items.length);
  metrics.flushSeconds.observe(elapsedMs / 1000);
  metrics.stored.inc(result.inserted.length);
  if (result.duplicates > 0) metrics.duplicate.inc(result.duplicates);
  for (const item of result.rejected) {
    if (item.kind === 'rejected') metrics.rejected.inc({ reason: item.reason });
  }
  for (const reading of result.inserted) {
    metrics.publishToCommitSeconds.observe((now - reading.tsMs) / 1000);
  }
}

/** The broker URL without its password, for logs. */
function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}
