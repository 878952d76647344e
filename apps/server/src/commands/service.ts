/**
 * Remote control: validate a command against the device model's catalogue, store it (pending),
 * publish it QoS 1 to the device's cmd topic, and follow it through the broker's PUBACK (sent)
 * and the device's acknowledgements (accepted, then done / rejected / failed) or its expiry.
 *
 * Delivery is at least once and execution exactly once: the device ignores an id it has already
 * run. So the service republishes freely: at start for commands the broker never acknowledged,
 * and whenever a device with unanswered commands announces itself online (covering a broker
 * that lost its queue, or a device that had no persistent session yet).
 */
import { decodeCommandAck, decodeState, encodeCommand, topics } from '@vigil/protocol';
import { getDeviceState } from '../devices/device-state';
import { getDevice } from '../devices/queries';
import { InvalidInputError, NotFoundError } from '../errors';
import type { EventBus } from '../events/bus';
import type { Logger } from '../log';
import type { Database } from '../telemetry/database';
import { type CatalogueEntry, catalogueFor, validateCommand } from './catalogue';
import { newCommandId } from './command-id';
import type { CommandMetrics } from './metrics';
import type { CommandRow } from './schema';
import { type CommandView, createCommandStore, toView } from './store';

export type CommandServiceOptions = {
  database: Database;
  bus: EventBus;
  log: Logger;
  /** Publishes QoS 1 and resolves on PUBACK (the command link). */
  publish(topic: string, payload: string): Promise<void>;
  topicRoot: string;
  /** Expiry of a command sent without a TTL (default 5 minutes). */
  defaultTtlMs?: number;
  /** Extra time an accepted command gets past its expiry to report its outcome (default 30 s). */
  acceptedGraceMs?: number;
  /** How often the sweeper expires overdue commands (default 1 s). */
  sweepIntervalMs?: number;
  now?: () => number;
  /** Outcome counters and round-trip histogram (GET /metrics). */
  metrics?: CommandMetrics;
};

export type SendCommand = {
  deviceId: string;
  name: string;
  params: unknown;
  ttlMs?: number;
  /** Username or token name of the sender, or 'cli'. */
  createdBy: string;
};

export const TTL_LIMITS = { minMs: 1_000, maxMs: 7 * 24 * 3_600_000 } as const;
/** How often the sweeper reloads the devices with open commands from the database. */
const WATCH_REFRESH_MS = 5_000;
/** How long `send` waits for the broker's PUBACK before answering with the command still pending. */
const SEND_WAIT_MS = 1_000;

export function createCommandService(options: CommandServiceOptions) {
  const { database, bus } = options;
  const log = options.log.child({ module: 'commands' });
  const store = createCommandStore(database);
  const now = options.now ?? Date.now;
  const defaultTtlMs = options.defaultTtlMs ?? 5 * 60_000;
  const acceptedGraceMs = options.acceptedGraceMs ?? 30_000;
  /** Devices that may have unanswered commands; a superset, pruned when found empty. */
  const watched = new Set<string>();
  let sweeper: ReturnType<typeof setInterval> | null = null;

  const emit = (row: CommandRow) => {
    bus.publish({ type: 'command', deviceId: row.deviceId, command: toView(row) });
  };

  /** Publishes one command and records the broker's acknowledgement. */
  async function deliver(row: CommandRow): Promise<void> {
    const payload = encodeCommand({
      id: row.id,
      name: row.name,
      params: row.params,
      expiresAt: row.expiresAt.getTime(),
    });
    await options.publish(topics.cmd(row.deviceId, options.topicRoot), payload);
    const changed = await store.recordPublished(row.id, new Date(now()));
    if (changed !== undefined) emit(changed);
  }

  const deliverLogged = (row: CommandRow) =>
    deliver(row).catch((error: unknown) =>
      log.warn('command publish failed; it is retried when the device reconnects', {
        id: row.id,
        error,
      }),
    );

  /** The model whose catalogue applies: the registry's, else what the device reported. */
  async function modelOf(deviceId: string): Promise<string> {
    const device = await getDevice(database, deviceId);
    if (device.model !== 'generic') return device.model;
    const state = await getDeviceState(database, deviceId).catch((error: unknown) => {
      if (error instanceof NotFoundError) return null;
      throw error;
    });
    return state?.model ?? device.model;
  }

  let watchRefreshedAt = 0;
  async function sweep(): Promise<void> {
    for (const row of await store.expireDue(new Date(now()), acceptedGraceMs)) {
      options.metrics?.recordOutcome(row);
      emit(row);
    }
    // Commands sent through another replica: watch their devices here too, so a reconnect is
    // answered with a redelivery even if that replica is gone.
    if (now() - watchRefreshedAt >= WATCH_REFRESH_MS) {
      watchRefreshedAt = now();
      for (const id of await store.devicesWithOpenCommands()) watched.add(id);
    }
  }

  return {
    /** The commands `deviceId`'s model accepts; NotFoundError for an unknown device. */
    async catalogue(deviceId: string): Promise<{ model: string; commands: CatalogueEntry[] }> {
      const model = await modelOf(deviceId);
      return { model, commands: catalogueFor(model) };
    },

    /**
     * Validates, stores and publishes a command. Throws NotFoundError for an unknown device and
     * InvalidInputError for a command or parameters outside the model's catalogue (nothing is
     * stored or published then). Answers once the broker has it, or after a second regardless.
     */
    async send(input: SendCommand): Promise<CommandView> {
      const ttlMs = input.ttlMs ?? defaultTtlMs;
      if (!Number.isInteger(ttlMs) || ttlMs < TTL_LIMITS.minMs || ttlMs > TTL_LIMITS.maxMs) {
        throw new InvalidInputError(
          `ttlMs must be a whole number from ${TTL_LIMITS.minMs} to ${TTL_LIMITS.maxMs}`,
        );
      }
      const params = validateCommand(await modelOf(input.deviceId), input.name, input.params);
      const createdAt = now();
      const row = await store.insert({
        id: newCommandId(createdAt),
        deviceId: input.deviceId,
        name: input.name,
        params,
        createdBy: input.createdBy,
        createdAt: new Date(createdAt),
        expiresAt: new Date(createdAt + ttlMs),
      });
      log.info('command sent', {
        id: row.id,
        deviceId: row.deviceId,
        name: row.name,
        by: row.createdBy,
      });
      watched.add(row.deviceId);
      emit(row);
      await Promise.race([deliverLogged(row), Bun.sleep(SEND_WAIT_MS)]);
      return toView((await store.get(row.id)) ?? row);
    },

    /** One command; NotFoundError when there is none with that id. */
    async get(id: string): Promise<CommandView> {
      const row = await store.get(id);
      if (row === undefined) throw new NotFoundError(`command '${id}' does not exist`);
      return toView(row);
    },

    /** A device's commands, newest first. */
    async list(deviceId: string, limit: number, before?: string): Promise<CommandView[]> {
      return (await store.list(deviceId, limit, before)).map(toView);
    },

    /**
     * Records a `cmd/ack` from `deviceId`. Bad payloads, unknown ids, another device's command
     * and acknowledgements that would move a command backwards are logged and dropped.
     */
    async handleAck(deviceId: string, payload: Uint8Array, receivedAt: Date): Promise<void> {
      const decoded = decodeCommandAck(payload);
      if (!decoded.ok) {
        options.metrics?.invalidAck();
        log.warn('invalid command ack', {
          deviceId,
          reason: decoded.reason,
          detail: decoded.detail,
        });
        return;
      }
      const { id, status, result, error } = decoded.ack;
      const row = await store.applyAck(
        id,
        deviceId,
        {
          status,
          ...(result !== undefined ? { result } : {}),
          ...(error !== undefined ? { error } : {}),
        },
        receivedAt,
      );
      if (row !== undefined) {
        options.metrics?.recordOutcome(row);
        return emit(row);
      }
      // Another replica (each one hears every ack) or an earlier copy of this ack got there
      // first: show the status to this replica's dashboards too.
      const current = await store.get(id);
      if (current?.deviceId === deviceId && current.status === status) return emit(current);
      log.debug('command ack changed nothing', { deviceId, id, status });
    },

    /** Records a `state` message: a device coming online gets its unanswered commands again. */
    async handleState(deviceId: string, payload: Uint8Array): Promise<void> {
      if (!watched.has(deviceId)) return;
      const decoded = decodeState(payload);
      if (!decoded.ok || !decoded.state.online) return;
      const rows = await store.undelivered(
        { deviceId, statuses: ['pending', 'sent'] },
        new Date(now()),
      );
      if (rows.length === 0) {
        watched.delete(deviceId);
        return;
      }
      log.info('device online: redelivering commands', { deviceId, count: rows.length });
      // Not awaited: the link reads the PUBACKs only after this handler returns.
      for (const row of rows) void deliverLogged(row);
    },

    /**
     * Expires overdue commands, republishes the ones the broker never acknowledged (a previous
     * run stopped first), and starts the expiry sweeper.
     */
    async start(): Promise<void> {
      await sweep();
      const unsent = await store.undelivered({ statuses: ['pending'] }, new Date(now()));
      if (unsent.length > 0) log.info('republishing unsent commands', { count: unsent.length });
      for (const row of unsent) void deliverLogged(row);
      sweeper = setInterval(() => {
        sweep().catch((error: unknown) => log.error('command expiry sweep failed', { error }));
      }, options.sweepIntervalMs ?? 1_000);
    },

    stop(): void {
      if (sweeper !== null) clearInterval(sweeper);
      sweeper = null;
    },

    /** Runs one expiry sweep now. */
    sweep,
  };
}

export type CommandService = ReturnType<typeof createCommandService>;
