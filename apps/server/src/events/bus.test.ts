import { describe, expect, test } from 'bun:test';
import { createEventBus, type VigilEvent } from './bus';

const registered = (deviceId: string): VigilEvent => ({ type: 'device_registered', deviceId });

describe('createEventBus', () => {
  test('delivers to every subscriber with increasing ids until unsubscribed', () => {
    const bus = createEventBus({ startAfter: 0 });
    const seen: [string, number][] = [];
    const stop = bus.subscribe((event, id) => seen.push([event.deviceId, id]));
    bus.subscribe(() => {});
    expect(bus.publish(registered('a'))).toBe(1);
    expect(bus.publish(registered('b'))).toBe(2);
    stop();
    bus.publish(registered('c'));
    expect(seen).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(bus.lastId()).toBe(3);
  });

  test('a throwing subscriber is reported and does not starve the others', () => {
    const errors: unknown[] = [];
    const bus = createEventBus({ onSubscriberError: (error) => errors.push(error) });
    const seen: string[] = [];
    bus.subscribe(() => {
      throw new Error('boom');
    });
    bus.subscribe((event) => seen.push(event.deviceId));
    bus.publish(registered('a'));
    expect(seen).toEqual(['a']);
    expect(errors).toHaveLength(1);
  });

  test('since() replays the ring and says when history was evicted', () => {
    const bus = createEventBus({ startAfter: 100, historySize: 3 });
    for (const id of ['a', 'b', 'c', 'd', 'e']) bus.publish(registered(id));
    // ids 101..105; the ring holds 103..105
    const ids = (after: number) => bus.since(after).entries.map((entry) => entry.id);
    expect(ids(103)).toEqual([104, 105]);
    expect(bus.since(103).complete).toBe(true);
    expect(bus.since(102).complete).toBe(true);
    expect(ids(101)).toEqual([103, 104, 105]);
    expect(bus.since(101).complete).toBe(false);
    expect(bus.since(105)).toEqual({ entries: [], complete: true });
    expect(bus.since(105 + 1).entries).toEqual([]);
  });

  test('default ids start from the clock, so a restarted bus never reuses an old id', () => {
    const before = Date.now() * 1000;
    const bus = createEventBus();
    expect(bus.publish(registered('a'))).toBeGreaterThan(before);
    // A client resuming with an id from an earlier run learns that it missed events.
    expect(bus.since(before - 5000).complete).toBe(false);
  });

  test('rejects a history size that is not a positive integer', () => {
    expect(() => createEventBus({ historySize: 0 })).toThrow(RangeError);
  });
});
