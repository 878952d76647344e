/**
 * Which live member adopts which orphaned broker session. Every member computes the same answer
 * from the same roster, with no coordination: a session goes to the live member with the highest
 * hash of (session, member) (rendezvous hashing), so a member joining or leaving moves only the
 * sessions it wins or held.
 */
import { createHash } from 'node:crypto';

/** One member of a share group as the roster shows it. */
export type MemberState = {
  clientId: string;
  /** Connections it opens now. */
  consumers: number;
  /** Connections it ever opened (persistent sessions on the broker), at least `consumers`. */
  sessions: number;
  /** Heartbeat fresh and not stopped. */
  live: boolean;
};

/** An orphaned session and the member it belonged to. */
export type Adoption = { sessionId: string; owner: string };

/** The client id of a member's `index`-th connection (0-based): `<id>`, then `<id>-2`, ... */
export function consumerClientId(clientId: string, index: number): string {
  return index === 0 ? clientId : `${clientId}-${index + 1}`;
}

/**
 * The orphaned sessions `self` must hold: every session of a member that is not live, and a live
 * member's sessions beyond the connections it opens now (left by a larger MQTT_CONSUMERS), each
 * assigned to one live member. `self` counts as live whatever the roster says: it just wrote its
 * heartbeat.
 */
export function adoptionsFor(self: string, members: readonly MemberState[]): Adoption[] {
  const live = members.filter((m) => m.live || m.clientId === self);
  const liveIds = live.map((m) => m.clientId);
  if (!liveIds.includes(self)) liveIds.push(self);
  // A live member's own connection is never adopted, even if another member's ids collide with it.
  const held = new Set(live.flatMap((m) => sessionIds(m.clientId, 0, m.consumers)));
  const mine: Adoption[] = [];
  for (const member of members) {
    const first = member.live || member.clientId === self ? member.consumers : 0;
    for (const sessionId of sessionIds(member.clientId, first, member.sessions)) {
      if (!held.has(sessionId) && adopterOf(sessionId, liveIds) === self) {
        mine.push({ sessionId, owner: member.clientId });
      }
    }
  }
  return mine;
}

/** The live member that adopts `sessionId`; undefined when none is live. */
export function adopterOf(sessionId: string, liveIds: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestWeight = '';
  for (const id of liveIds) {
    const weight = createHash('sha256').update(sessionId).update('\0').update(id).digest('hex');
    if (best === undefined || weight > bestWeight || (weight === bestWeight && id < best)) {
      best = id;
      bestWeight = weight;
    }
  }
  return best;
}

function sessionIds(clientId: string, from: number, to: number): string[] {
  const ids: string[] = [];
  for (let i = from; i < to; i += 1) ids.push(consumerClientId(clientId, i));
  return ids;
}
