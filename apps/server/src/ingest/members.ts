/**
 * Membership of a shared-subscription group: each replica keeps a row in `ingest_members` with a
 * heartbeat written every few seconds, and reads the group's roster back each time. Staleness is
 * judged by the database's clock, so replicas whose clocks disagree still agree on who is live.
 */
import { eq, sql } from 'drizzle-orm';
import type { Logger } from '../log';
import type { Database } from '../telemetry/database';
import type { MemberState } from './adoption-plan';
import { IngestMembers } from './members-schema';

/** How often a member writes its heartbeat and reads the roster. */
export const HEARTBEAT_MS = 2_000;
/** A heartbeat older than this makes a member orphaned: three missed beats. */
export const STALE_MS = 6_000;
/** How long a stop waits for the database before leaving the member to go stale instead. */
const STOP_WAIT_MS = 2_000;

export type MembershipOptions = {
  database: Database;
  /** MQTT_CLIENT_ID of this replica. */
  clientId: string;
  /** MQTT_SHARE_GROUP; membership is only meaningful inside one. */
  shareGroup: string;
  /** MQTT_CONSUMERS: connections this replica opens. */
  consumers: number;
  log: Logger;
  heartbeatMs?: number;
  staleMs?: number;
};

export type Membership = {
  readonly clientId: string;
  /** Other members of the group with a fresh heartbeat, as of the last heartbeat (no query). */
  livePeers(): number;
  /** The group as of the last heartbeat, this member included. */
  roster(): readonly MemberState[];
  /** Calls `listener` after every successful heartbeat with the fresh roster; returns an unsubscribe. */
  onRoster(listener: (members: readonly MemberState[]) => void): () => void;
  /** Stops the heartbeat and marks the member stopped, so its sessions are adopted at once. */
  stop(): Promise<void>;
};

/**
 * Writes this member's row (before any consumer connects, so no live member adopts its sessions
 * meanwhile), reads the roster, and keeps both fresh every `heartbeatMs`. Throws when the first
 * write fails: a replica that cannot announce itself must not start consuming.
 */
export async function startMembership(options: MembershipOptions): Promise<Membership> {
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  const staleMs = options.staleMs ?? STALE_MS;
  checkOptions(options, heartbeatMs, staleMs);
  const { database, clientId, shareGroup, consumers } = options;
  const log = options.log.child({ module: 'membership' });
  const { db } = database;
  const listeners = new Set<(members: readonly MemberState[]) => void>();
  let members: readonly MemberState[] = [];
  let failing = false;
  let lastBeatAt = performance.now();

  const beat = async () => {
    await db
      .insert(IngestMembers)
      .values({
        clientId,
        shareGroup,
        consumers,
        sessions: consumers,
        heartbeatAt: sql`now()`,
        stoppedAt: null,
      })
      .onConflictDoUpdate({
        target: IngestMembers.clientId,
        set: {
          shareGroup,
          consumers,
          // Sessions opened by an earlier, larger MQTT_CONSUMERS stay on the broker: remember them.
          sessions: sql`greatest(${IngestMembers.sessions}, ${consumers})`,
          heartbeatAt: sql`now()`,
          stoppedAt: null,
        },
      });
    const rows = await db
      .select({
        clientId: IngestMembers.clientId,
        consumers: IngestMembers.consumers,
        sessions: IngestMembers.sessions,
        live: sql<boolean>`(${IngestMembers.stoppedAt} is null and ${IngestMembers.heartbeatAt} > now() - ${staleMs}::integer * interval '1 millisecond')`,
      })
      .from(IngestMembers)
      .where(eq(IngestMembers.shareGroup, shareGroup))
      .orderBy(IngestMembers.clientId);
    const before = countPeers(members, clientId);
    members = rows.map((r) => ({ ...r, live: r.live === true || r.clientId === clientId }));
    const peers = countPeers(members, clientId);
    if (peers !== before) log.info('live peers changed', { shareGroup, livePeers: peers });
    // After an outage longer than the staleness period every member's heartbeat is old, and the
    // others' catch-up beats may not have run yet: decide nothing on that first roster.
    const cutOff = performance.now() - lastBeatAt > staleMs;
    lastBeatAt = performance.now();
    if (cutOff) return;
    for (const listener of listeners) {
      try {
        listener(members);
      } catch (error) {
        log.error('roster listener failed', { error });
      }
    }
  };

  await beat();
  log.info('joined the share group', {
    shareGroup,
    clientId,
    livePeers: countPeers(members, clientId),
  });

  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running: Promise<void> = Promise.resolve();
  const schedule = () => {
    timer = setTimeout(() => {
      running = beat()
        .then(() => {
          if (failing) log.info('heartbeat restored', { shareGroup });
          failing = false;
        })
        .catch((error: unknown) => {
          // Others will find this member stale and adopt its sessions; nothing is lost meanwhile.
          if (!failing) log.warn('heartbeat failed; keeping the last roster', { error });
          failing = true;
        })
        .finally(() => {
          if (!stopped) schedule();
        });
    }, heartbeatMs);
  };
  schedule();

  return {
    clientId,
    livePeers: () => countPeers(members, clientId),
    roster: () => members,
    onRoster(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      // A frozen database must not hold up the shutdown.
      const within = (work: Promise<unknown>) =>
        Promise.race([work.then(() => true), Bun.sleep(STOP_WAIT_MS).then(() => false)]);
      try {
        const marked =
          (await within(running)) &&
          (await within(
            db
              .update(IngestMembers)
              .set({ stoppedAt: sql`now()` })
              .where(eq(IngestMembers.clientId, clientId)),
          ));
        if (!marked) throw new Error(`the database did not answer within ${STOP_WAIT_MS} ms`);
      } catch (error) {
        log.warn('could not mark the member stopped; it is adopted once its heartbeat is stale', {
          error,
        });
      }
    },
  };
}

function countPeers(members: readonly MemberState[], self: string): number {
  return members.filter((m) => m.live && m.clientId !== self).length;
}

function checkOptions(options: MembershipOptions, heartbeatMs: number, staleMs: number): void {
  if (options.shareGroup === '') {
    throw new RangeError('membership needs a share group (MQTT_SHARE_GROUP is empty)');
  }
  if (!Number.isInteger(options.consumers) || options.consumers < 1) {
    throw new RangeError(`consumers must be an integer >= 1, got ${options.consumers}`);
  }
  // Under two beats per staleness period, one late beat would make a live member look orphaned.
  if (!(heartbeatMs > 0) || !(staleMs >= 2 * heartbeatMs)) {
    throw new RangeError(
      `staleMs (${staleMs}) must be at least twice heartbeatMs (${heartbeatMs}), both positive`,
    );
  }
}
