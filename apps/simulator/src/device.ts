import { createInjector, type FaultInjector, type Reading, SentHistory } from './faults';
import type { FaultPlan, ScheduledEpisode } from './faults/plan';
import { Random } from './random';
import { createSignal, type SignalModel } from './signals';
import { roundMetrics } from './signals/common';
import type { DeviceKind, FaultType, Metrics } from './types';
import { createWireEncoder, type WireEncoder, type WireFormat } from './wire';

/** One message a device sends, with its ground truth. */
export type Emission = { topic: string; payload: string; sentAt: number; label: FaultType | null };

export type SimulatedDeviceOptions = {
  /** Seed of this device; identity, signal and faults each draw from their own sub-stream. */
  seed: number;
  deviceId: string;
  kind: DeviceKind;
  intervalMs: number;
  startMs: number;
  plan: FaultPlan;
  /** The fleet's device ids (this one may be among them), whose identity a spoofer may claim. */
  fleet?: readonly string[];
  format?: WireFormat;
  topicRoot?: string;
};

/** How many past payloads a replay attacker can draw from. */
const HISTORY_CAPACITY = 3_600;

/**
 * A device's firmware loop, driven by whoever owns the clock: `step(t)` yields what the device
 * sends at `t` (its own reading plus anything a fault injects) and when it reports next. Trace
 * generation drives it with virtual time, the live fleet with the wall clock.
 */
export class SimulatedDevice {
  readonly deviceId: string;
  readonly kind: DeviceKind;
  readonly topic: string;
  private bootId: number;
  private seq: number;
  private readonly clockOffsetMs: number;
  private readonly signal: SignalModel;
  private readonly encoder: WireEncoder;
  private readonly history = new SentHistory(HISTORY_CAPACITY);
  private active: { episode: ScheduledEpisode; injector: FaultInjector } | null = null;
  private pendingDropoutLabel = false;
  private lastSent: Metrics | undefined;
  /** Actuator and mode state set by commands, reported with every reading once set. */
  private readonly controls: Metrics = {};
  private intervalOverrideMs: number | undefined;

  constructor(private readonly options: SimulatedDeviceOptions) {
    const identity = Random.derive(options.seed, 'identity');
    this.deviceId = options.deviceId;
    this.kind = options.kind;
    // boot 0 is reserved for legacy adapters.
    this.bootId = identity.int(1, 0xffffffff);
    this.seq = identity.int(0, 5_000);
    // Clocks of NTP-synchronised devices agree within a second or so.
    this.clockOffsetMs = Math.round(identity.normal(0, 300));
    this.encoder = createWireEncoder({
      format: options.format ?? 'v1',
      kind: options.kind,
      deviceId: options.deviceId,
      timestampFormat: identity.chance(0.25) ? 'rfc3339' : 'epoch_ms',
      bootAtMs: options.startMs - identity.int(60, 86_400) * 1000,
      topicRoot: options.topicRoot,
    });
    this.topic = this.encoder.topic;
    this.signal = createSignal(
      options.kind,
      Random.derive(options.seed, 'signal'),
      options.startMs,
    );
  }

  /** Random per power-up; changes on reboot. */
  get boot(): number {
    return this.bootId;
  }

  /** The reporting interval in force: the configured one, a commanded one, faster in defense. */
  get intervalMs(): number {
    const base = this.intervalOverrideMs ?? this.options.intervalMs;
    return this.controls.defense === true ? Math.max(200, Math.round(base / 4)) : base;
  }

  /** Sets a reported control value (`defense`, `led`, `servo_angle`), as an actuator would. */
  setControl(name: 'defense' | 'led' | 'servo_angle', value: number | boolean): void {
    this.controls[name] = value;
  }

  /** Reports every `ms` from the next reading on (commanded `set_interval`). */
  setIntervalMs(ms: number): void {
    this.intervalOverrideMs = ms;
  }

  /** A restart: a new random boot id, seq from 0; controls keep their (persisted) values. */
  reboot(): void {
    const fresh = crypto.getRandomValues(new Uint32Array(1))[0] ?? 1;
    this.bootId = fresh === 0 ? 1 : fresh;
    this.seq = 0;
  }

  /** Messages the device sends at `tMs` and the time of its next report; `tMs` never decreases. */
  step(tMs: number): { emissions: Emission[]; nextMs: number } {
    const active = this.enterEpisode(tMs);
    const injector = active?.injector;
    const metrics = this.signal.sample(tMs);
    const interval = injector?.intervalMs?.(this.intervalMs) ?? this.intervalMs;
    const nextMs = tMs + interval;
    if (injector?.suppressesOwnMessages) {
      // Lost on the way: the device counted it, the server never sees it.
      this.seq += 1;
      return { emissions: [], nextMs };
    }
    injector?.mutateMetrics?.(metrics, tMs, this.lastSent);
    const reading: Reading = {
      tsMs: tMs + this.clockOffsetMs + (injector?.clockOffsetMs ?? 0),
      boot: this.bootId,
      seq: this.seq++,
      metrics: { ...roundMetrics(metrics), ...this.controls },
    };
    this.lastSent = reading.metrics;
    const payload = this.encoder.encode(reading, injector?.extraFields);
    let label: FaultType | null = null;
    if (active?.injector.labelsOwnMessages) label = active.episode.type;
    else if (this.pendingDropoutLabel) label = 'dropout';
    this.pendingDropoutLabel = false;

    const emissions: Emission[] = [{ topic: this.topic, payload, sentAt: tMs, label }];
    if (label === null) this.history.push(payload);
    if (active !== null && injector?.inject !== undefined) {
      for (const extra of injector.inject(tMs, this.history)) {
        emissions.push({
          topic: this.topic,
          payload: extra.payload,
          sentAt: extra.sentAt,
          label: active.episode.type,
        });
      }
    }
    return { emissions, nextMs };
  }

  /** Tracks episode boundaries: starts an episode's injector, remembers a dropout that just ended. */
  private enterEpisode(tMs: number): { episode: ScheduledEpisode; injector: FaultInjector } | null {
    const episode = this.options.plan.at(tMs);
    if (episode === this.active?.episode) return this.active;
    if (this.active?.injector.suppressesOwnMessages) this.pendingDropoutLabel = true;
    this.active =
      episode === null
        ? null
        : {
            episode,
            injector: createInjector(episode.type, {
              rng: Random.derive(this.options.seed, 'fault', episode.index),
              kind: this.kind,
              deviceId: this.deviceId,
              intervalMs: this.options.intervalMs,
              startMs: episode.startMs,
              endMs: episode.endMs,
              fleet: this.options.fleet ?? [],
              encode: (reading, extra) => this.encoder.encode(reading, extra),
            }),
          };
    return this.active;
  }
}
