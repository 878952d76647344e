/**
 * Takeover of orphaned sessions. Mosquitto 2.0.11 keeps assigning a shared subscription's
 * round-robin share to an offline persistent member and never moves it, so a replica that dies
 * (or stops) leaves its share waiting on the broker. After every heartbeat each live member works
 * out which orphaned sessions are its own to hold (adoption-plan.ts) and connects with their
 * client ids: the broker then delivers the held and the new share to it.
 *
 * An adopted connection never reconnects by itself. When the owner comes back it connects with
 * its own id and the broker takes the session from the adopter; reconnecting would take it back
 * and fight the owner. Whether to adopt again is decided only here, after a heartbeat.
 */
import type { Counter, Gauge } from 'prom-client';
import type { Logger } from '../log';
import { type Adoption, adoptionsFor, type MemberState } from './adoption-plan';
import type { Membership } from './members';

/** One adopted session's connection, ingesting through the same batcher and acknowledgements. */
export type AdoptedSession = {
  /** Stops reading, waits (bounded) until what it delivered is acknowledged, disconnects. */
  release(): Promise<void>;
};

export type TakeoverOptions = {
  membership: Pick<Membership, 'clientId' | 'roster' | 'onRoster'>;
  /**
   * Opens a connection with `sessionId` that does not reconnect; `ended` is called when the broker
   * closes it (`takenOver`: another connection with that id took the session).
   */
  adopt(sessionId: string, ended: (ended: { takenOver: boolean }) => void): AdoptedSession;
  log: Logger;
  metrics: { adoptions: Counter; adopted: Gauge };
};

export type Takeover = {
  /** Session ids held now. */
  adopted(): string[];
  /** Releases every adopted session. */
  stop(): Promise<void>;
};

type Held = { owner: string; session: AdoptedSession };

/** Follows the membership's roster and holds this member's share of the orphaned sessions. */
export function startTakeover(options: TakeoverOptions): Takeover {
  const { membership, metrics } = options;
  const log = options.log.child({ module: 'takeover' });
  const self = membership.clientId;
  const held = new Map<string, Held>();
  /** Sessions being released: not adopted again until their connection is closed. */
  const releasing = new Map<string, Promise<void>>();
  let stopped = false;

  const release = (sessionId: string, reason: string) => {
    const entry = held.get(sessionId);
    if (entry === undefined) return;
    held.delete(sessionId);
    log.info('releasing adopted session', { session: sessionId, owner: entry.owner, reason });
    const done = entry.session
      .release()
      .catch((error: unknown) => log.error('releasing an adopted session failed', { error }))
      .finally(() => releasing.delete(sessionId));
    releasing.set(sessionId, done);
  };

  const adopt = ({ sessionId, owner }: Adoption) => {
    log.info('adopting orphaned session', { session: sessionId, owner });
    metrics.adoptions.inc();
    const entry: Held = {
      owner,
      session: options.adopt(sessionId, ({ takenOver }) => {
        if (held.get(sessionId) !== entry) return;
        held.delete(sessionId);
        metrics.adopted.set(held.size);
        // A returning owner writes its heartbeat before it connects, so the next roster shows it
        // live and the session is not adopted again (Mosquitto 2.0.11 just closes the socket).
        log.info(
          takenOver
            ? 'adopted session taken over by another connection'
            : 'adopted session closed by the broker; deciding again after the next heartbeat',
          { session: sessionId, owner },
        );
      }),
    };
    held.set(sessionId, entry);
  };

  const follow = (members: readonly MemberState[]) => {
    if (stopped) return;
    const plan = new Map(adoptionsFor(self, members).map((a) => [a.sessionId, a]));
    for (const [sessionId, entry] of [...held]) {
      if (plan.has(sessionId)) continue;
      const ownerLive = members.some((m) => m.clientId === entry.owner && m.live);
      release(sessionId, ownerLive ? 'owner is back' : 'assigned to another member');
    }
    for (const adoption of plan.values()) {
      const id = adoption.sessionId;
      if (!held.has(id) && !releasing.has(id)) adopt(adoption);
    }
    metrics.adopted.set(held.size);
  };

  const unsubscribe = membership.onRoster(follow);
  follow(membership.roster());

  return {
    adopted: () => [...held.keys()],
    async stop() {
      stopped = true;
      unsubscribe();
      for (const sessionId of [...held.keys()]) release(sessionId, 'stopping');
      await Promise.all(releasing.values());
      metrics.adopted.set(0);
    },
  };
}
