import { DeviceWindow, rebuildWindow, type TelemetryReading } from './features';

/** Loads a device's recent readings, oldest first, to rebuild its window after a cache miss. */
export type LoadRecent = (deviceId: string) => Promise<Iterable<TelemetryReading>>;

/**
 * Per-device windows, bounded by a least-recently-used policy so memory stays fixed however many
 * devices come and go. Map iteration order is insertion order, so re-inserting on use keeps the
 * least recently used device first.
 */
export class WindowCache {
  private readonly windows = new Map<string, DeviceWindow>();

  constructor(
    readonly maxDevices: number,
    private readonly loadRecent?: LoadRecent,
  ) {
    if (!Number.isSafeInteger(maxDevices) || maxDevices < 1) {
      throw new RangeError(`maxDevices must be a positive integer, got ${maxDevices}`);
    }
  }

  get size(): number {
    return this.windows.size;
  }

  has(deviceId: string): boolean {
    return this.windows.has(deviceId);
  }

  /** The window of `deviceId` if cached, without marking it used. */
  peek(deviceId: string): DeviceWindow | undefined {
    return this.windows.get(deviceId);
  }

  /** Drops the window of `deviceId` (the next prefetch rebuilds it). */
  evict(deviceId: string): void {
    this.windows.delete(deviceId);
  }

  /** Ensures windows for `deviceIds` exist, rebuilding missing ones from recent readings in parallel. */
  async prefetch(deviceIds: Iterable<string>): Promise<void> {
    const loadRecent = this.loadRecent;
    if (loadRecent === undefined) return;
    const missing = [...new Set(deviceIds)].filter((id) => !this.windows.has(id));
    const rebuilt = await Promise.all(
      missing.map(async (id) => [id, rebuildWindow(await loadRecent(id))] as const),
    );
    for (const [id, window] of rebuilt) this.put(id, window);
  }

  /** The window of `deviceId`, marked most recently used; a fresh one if none is cached. */
  get(deviceId: string): DeviceWindow {
    let window = this.windows.get(deviceId);
    if (window === undefined) {
      window = new DeviceWindow();
    } else {
      this.windows.delete(deviceId);
    }
    this.put(deviceId, window);
    return window;
  }

  private put(deviceId: string, window: DeviceWindow): void {
    this.windows.set(deviceId, window);
    while (this.windows.size > this.maxDevices) {
      const oldest = this.windows.keys().next().value as string;
      this.windows.delete(oldest);
    }
  }
}
