import { describe, expect, test } from 'bun:test';
import { adopterOf, adoptionsFor, consumerClientId, type MemberState } from './adoption-plan';

const member = (clientId: string, live: boolean, consumers = 1, sessions = consumers) => ({
  clientId,
  live,
  consumers,
  sessions,
});

/** Every member's answer, merged: session id -> adopter. */
function plan(members: MemberState[]): Map<string, string> {
  const all = new Map<string, string>();
  for (const m of members.filter((x) => x.live)) {
    for (const a of adoptionsFor(m.clientId, members)) {
      expect(all.has(a.sessionId)).toBe(false);
      all.set(a.sessionId, m.clientId);
    }
  }
  return all;
}

describe('adoption plan', () => {
  test('client ids of a member: <id>, then <id>-2, <id>-3', () => {
    expect([0, 1, 2].map((i) => consumerClientId('vigil-1', i))).toEqual([
      'vigil-1',
      'vigil-1-2',
      'vigil-1-3',
    ]);
  });

  test('nothing to adopt while every member is live', () => {
    const members = [member('a', true, 2), member('b', true, 2)];
    expect(adoptionsFor('a', members)).toEqual([]);
    expect(adoptionsFor('b', members)).toEqual([]);
  });

  test('every session of a dead member is adopted by exactly one live member', () => {
    const members = [member('a', true), member('b', false, 4), member('c', true)];
    const assigned = plan(members);
    expect([...assigned.keys()].sort()).toEqual(['b', 'b-2', 'b-3', 'b-4']);
    for (const adopter of assigned.values()) expect(['a', 'c']).toContain(adopter);
  });

  test('all members agree whatever order they read the roster in', () => {
    const members = [
      member('a', true),
      member('b', false, 3),
      member('c', true),
      member('d', false),
    ];
    const reversed = [...members].reverse();
    for (const self of ['a', 'c']) {
      expect(adoptionsFor(self, reversed)).toEqual(
        expect.arrayContaining(adoptionsFor(self, members)),
      );
      expect(adoptionsFor(self, reversed).length).toBe(adoptionsFor(self, members).length);
    }
  });

  test('orphans spread over the live members', () => {
    const dead = Array.from({ length: 60 }, (_, i) => member(`dead-${i}`, false));
    const assigned = plan([member('a', true), member('b', true), member('c', true), ...dead]);
    const per = new Map<string, number>();
    for (const adopter of assigned.values()) per.set(adopter, (per.get(adopter) ?? 0) + 1);
    expect(assigned.size).toBe(60);
    for (const id of ['a', 'b', 'c']) expect(per.get(id) ?? 0).toBeGreaterThan(5);
  });

  test('a member joining takes over only sessions it wins; the others keep theirs', () => {
    const dead = Array.from({ length: 30 }, (_, i) => member(`dead-${i}`, false));
    const before = plan([member('a', true), member('b', true), ...dead]);
    const after = plan([member('a', true), member('b', true), member('c', true), ...dead]);
    for (const [session, adopter] of after) {
      if (adopter !== 'c') expect(before.get(session)).toBe(adopter);
    }
  });

  test("a live member's sessions beyond its current consumers are orphans", () => {
    const members = [member('a', true, 2, 4), member('b', true)];
    expect([...plan(members).keys()].sort()).toEqual(['a-3', 'a-4']);
  });

  test('the member itself counts as live even when the roster says otherwise', () => {
    // Its own heartbeat was just written; a stale view of itself must not make it adopt itself.
    expect(adoptionsFor('a', [member('a', false, 2), member('b', false)])).toEqual([
      { sessionId: 'b', owner: 'b' },
    ]);
  });

  test("a dead member's session id that a live member uses is never adopted", () => {
    // 'x-2' as a member of its own collides with x's second connection.
    const members = [member('x', true, 2), member('x-2', false)];
    expect(plan(members).size).toBe(0);
  });

  test('no live member: no adopter', () => {
    expect(adopterOf('s', [])).toBeUndefined();
    expect(adopterOf('s', ['only'])).toBe('only');
  });
});
