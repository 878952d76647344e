import { describe, expect, test } from 'bun:test';
import { Counter, Gauge, Registry } from 'prom-client';
import { createLogger } from '../log';
import type { MemberState } from './adoption-plan';
import { startTakeover } from './takeover';

type Ended = (ended: { takenOver: boolean }) => void;

/** A membership whose roster the test sets, and an adopt() that records what it was asked. */
function harness() {
  let roster: MemberState[] = [];
  const listeners = new Set<(members: readonly MemberState[]) => void>();
  const opened: Array<{ sessionId: string; ended: Ended; released: boolean }> = [];
  let releaseGate: Promise<void> = Promise.resolve();
  const registry = new Registry();
  const metrics = {
    adoptions: new Counter({ name: 'a', help: 'a', registers: [registry] }),
    adopted: new Gauge({ name: 'g', help: 'g', registers: [registry] }),
  };
  const logLines: string[] = [];
  const takeover = startTakeover({
    membership: {
      clientId: 'a',
      roster: () => roster,
      onRoster(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    adopt(sessionId, ended) {
      const entry = { sessionId, ended, released: false };
      opened.push(entry);
      return {
        async release() {
          await releaseGate;
          entry.released = true;
        },
      };
    },
    log: createLogger('info', (line) => logLines.push(line)),
    metrics,
  });
  return {
    takeover,
    opened,
    logLines,
    metrics,
    /** A heartbeat with this roster. */
    beat(members: MemberState[]) {
      roster = members;
      for (const listener of listeners) listener(members);
    },
    holdReleases() {
      let open = () => {};
      releaseGate = new Promise<void>((resolve) => {
        open = resolve;
      });
      return () => open();
    },
  };
}

const live = (clientId: string, consumers = 1) => ({
  clientId,
  consumers,
  sessions: consumers,
  live: true,
});
const dead = (clientId: string, consumers = 1) => ({ ...live(clientId, consumers), live: false });

async function gauge(metric: Gauge): Promise<number> {
  return (await metric.get()).values[0]?.value ?? 0;
}

describe('takeover', () => {
  test("adopts a dead member's sessions once, and releases them when the owner is back", async () => {
    const h = harness();
    h.beat([live('a'), dead('b', 2)]);
    h.beat([live('a'), dead('b', 2)]);
    expect(h.opened.map((o) => o.sessionId).sort()).toEqual(['b', 'b-2']);
    expect(h.takeover.adopted().sort()).toEqual(['b', 'b-2']);
    expect((await h.metrics.adoptions.get()).values[0]?.value).toBe(2);
    expect(await gauge(h.metrics.adopted)).toBe(2);
    h.beat([live('a'), live('b', 2)]);
    await h.takeover.stop();
    expect(h.opened.every((o) => o.released)).toBe(true);
    expect(h.takeover.adopted()).toEqual([]);
    expect(h.logLines.some((l) => l.includes('"owner is back"'))).toBe(true);
  });

  test('a closed adopted session is opened again only after a heartbeat says so', () => {
    const h = harness();
    h.beat([live('a'), dead('b'), dead('c')]);
    expect(h.opened.length).toBe(2);
    // b's owner came back and took its session; c's connection dropped.
    for (const o of h.opened) o.ended({ takenOver: o.sessionId === 'b' });
    expect(h.takeover.adopted()).toEqual([]);
    expect(h.opened.length).toBe(2);
    h.beat([live('a'), live('b'), dead('c')]);
    expect(h.opened.map((o) => o.sessionId)).toEqual(['b', 'c', 'c']);
    expect(h.logLines.some((l) => l.includes('taken over by another connection'))).toBe(true);
  });

  test('a session being released is not opened again until its connection is closed', async () => {
    const h = harness();
    const open = h.holdReleases();
    h.beat([live('a'), dead('b')]);
    h.beat([live('a'), live('b')]);
    h.beat([live('a'), dead('b')]);
    expect(h.opened.length).toBe(1);
    open();
    await Bun.sleep(0);
    h.beat([live('a'), dead('b')]);
    expect(h.opened.length).toBe(2);
  });

  test("sessions another live member wins are not this member's", () => {
    const h = harness();
    const others = Array.from({ length: 40 }, (_, i) => dead(`d${i}`));
    h.beat([live('a'), live('c'), ...others]);
    const mine = h.takeover.adopted().length;
    expect(mine).toBeGreaterThan(0);
    expect(mine).toBeLessThan(40);
  });

  test('stops following the roster once stopped', async () => {
    const h = harness();
    await h.takeover.stop();
    h.beat([live('a'), dead('b')]);
    expect(h.opened).toEqual([]);
  });
});
