import { describe, expect, test } from 'bun:test';
import { createEventBus, type VigilEvent } from './bus';
import { type StreamItem, streamEvents } from './stream';

const registered = (deviceId: string): VigilEvent => ({ type: 'device_registered', deviceId });

/** Pulls `count` items from the stream. */
async function take(stream: AsyncGenerator<StreamItem>, count: number): Promise<StreamItem[]> {
  const items: StreamItem[] = [];
  while (items.length < count) {
    const next = await stream.next();
    if (next.done) break;
    items.push(next.value);
  }
  return items;
}

const ids = (items: StreamItem[]) =>
  items.map((item) => (item.kind === 'event' ? item.id : item.reason));

describe('streamEvents', () => {
  test('replays after the resume id, then follows live events', async () => {
    const bus = createEventBus({ startAfter: 0 });
    bus.publish(registered('a'));
    bus.publish(registered('b'));
    const stream = streamEvents(bus, { afterId: 1 });
    const first = take(stream, 2);
    // The generator subscribes when first pulled; publish after it started.
    await Bun.sleep(0);
    bus.publish(registered('c'));
    expect(ids(await first)).toEqual([2, 3]);
    await stream.return(undefined);
  });

  test('no resume id: live events only', async () => {
    const bus = createEventBus({ startAfter: 0 });
    bus.publish(registered('old'));
    const stream = streamEvents(bus);
    const pending = take(stream, 1);
    await Bun.sleep(0);
    bus.publish(registered('new'));
    expect(await pending).toMatchObject([{ kind: 'event', id: 2, event: { deviceId: 'new' } }]);
    await stream.return(undefined);
  });

  test('filters, and announces evicted history before the replay', async () => {
    const bus = createEventBus({ startAfter: 0, historySize: 2 });
    for (const id of ['a', 'b', 'a', 'b']) bus.publish(registered(id));
    const stream = streamEvents(bus, {
      afterId: 0,
      filter: (event) => event.deviceId === 'b',
    });
    expect(ids(await take(stream, 2))).toEqual(['history_evicted', 4]);
    await stream.return(undefined);
  });

  test('a client too slow to keep up is told to resync', async () => {
    const bus = createEventBus({ startAfter: 0 });
    const stream = streamEvents(bus, { maxQueue: 2 });
    const first = take(stream, 1);
    await Bun.sleep(0);
    bus.publish(registered('a'));
    expect(ids(await first)).toEqual([1]);
    // Not pulling: the queue fills at 2, the third is dropped.
    for (const id of ['b', 'c', 'd']) bus.publish(registered(id));
    expect(ids(await take(stream, 3))).toEqual(['client_too_slow', 2, 3]);
    await stream.return(undefined);
  });

  test('ends when the signal aborts, and unsubscribes', async () => {
    const bus = createEventBus({ startAfter: 0 });
    let subscribers = 0;
    const subscribe = bus.subscribe;
    bus.subscribe = (fn) => {
      subscribers += 1;
      const stop = subscribe(fn);
      return () => {
        subscribers -= 1;
        stop();
      };
    };
    const controller = new AbortController();
    const stream = streamEvents(bus, { signal: controller.signal });
    const next = stream.next();
    await Bun.sleep(0);
    expect(subscribers).toBe(1);
    controller.abort();
    expect((await next).done).toBe(true);
    expect(subscribers).toBe(0);
  });
});
