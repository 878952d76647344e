/**
 * The simulated firmware's command handler: checks a received command as a device would (its own
 * catalogue, its own bounds, the expiry against its own clock), runs it on the simulated device
 * and says what to acknowledge. An id it has already seen is answered with that command's last
 * status and not run again, so redelivery (QoS 1 retries, server republishing) is harmless.
 */
import { type CommandAck, decodeCommand } from '@vigil/protocol';
import type { SimulatedDevice } from './device';
import type { DeviceKind } from './types';

/** What the caller does after acknowledging: nothing, or restart the device after a pause. */
export type CommandEffect = { reboot: false } | { reboot: true; pauseMs: number };

export type CommandOutcome = {
  /** Acknowledgements to publish, in order. */
  acks: CommandAck[];
  effect: CommandEffect;
  /** True when the id was seen before and nothing ran. */
  repeated: boolean;
};

/** Command ids remembered (like a small ring in NVS); older ones may run again if redelivered. */
const REMEMBERED_IDS = 256;
/** How long the simulated reboot keeps the device silent. */
export const REBOOT_PAUSE_MS = 500;

const COMMANDS_BY_KIND: Record<DeviceKind, readonly string[]> = {
  sensor: ['defense', 'set_led', 'set_servo', 'set_interval', 'reboot'],
  drone: ['defense', 'set_interval', 'reboot'],
};

class CommandRefused extends Error {}

export class DeviceCommands {
  private readonly seen = new Map<string, CommandAck>();

  constructor(
    private readonly device: SimulatedDevice,
    private readonly now: () => number = Date.now,
  ) {}

  /** Handles one `cmd` payload; null for a payload that is not a command at all (no id to answer). */
  handle(payload: Uint8Array): CommandOutcome | null {
    const decoded = decodeCommand(payload);
    if (!decoded.ok) return null;
    const { id, name, params, expiresAt } = decoded.command;
    const previous = this.seen.get(id);
    if (previous !== undefined)
      return { acks: [previous], effect: { reboot: false }, repeated: true };

    let acks: CommandAck[];
    let effect: CommandEffect = { reboot: false };
    if (expiresAt <= this.now()) {
      acks = [{ id, status: 'rejected', error: 'expired before it arrived' }];
    } else {
      try {
        const result = this.run(name, params);
        if (name === 'reboot') effect = { reboot: true, pauseMs: REBOOT_PAUSE_MS };
        acks = [
          { id, status: 'accepted' },
          { id, status: 'done', result },
        ];
      } catch (error) {
        if (!(error instanceof CommandRefused)) throw error;
        acks = [{ id, status: 'rejected', error: error.message }];
      }
    }
    this.remember(id, acks[acks.length - 1] as CommandAck);
    return { acks, effect, repeated: false };
  }

  private run(name: string, params: Record<string, unknown>): Record<string, unknown> {
    if (!COMMANDS_BY_KIND[this.device.kind].includes(name)) {
      throw new CommandRefused(`unsupported command '${name}'`);
    }
    const device = this.device;
    switch (name) {
      case 'defense':
        device.setControl('defense', flag(params));
        return { defense: flag(params), intervalMs: device.intervalMs };
      case 'set_led':
        device.setControl('led', flag(params));
        return { led: flag(params) };
      case 'set_servo': {
        const angle = whole(params, 'angle', 0, 180);
        device.setControl('servo_angle', angle);
        return { servo_angle: angle };
      }
      case 'set_interval':
        device.setIntervalMs(whole(params, 'ms', 200, 3_600_000));
        return { intervalMs: device.intervalMs };
      case 'reboot':
        onlyKeys(params, []);
        return { rebootInMs: REBOOT_PAUSE_MS };
      default:
        throw new CommandRefused(`unsupported command '${name}'`);
    }
  }

  private remember(id: string, last: CommandAck): void {
    this.seen.set(id, last);
    if (this.seen.size > REMEMBERED_IDS) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }
}

function onlyKeys(params: Record<string, unknown>, keys: readonly string[]): void {
  const extra = Object.keys(params).filter((key) => !keys.includes(key));
  if (extra.length > 0) throw new CommandRefused(`unexpected parameter '${extra[0]}'`);
}

function flag(params: Record<string, unknown>): boolean {
  onlyKeys(params, ['on']);
  if (typeof params.on !== 'boolean') throw new CommandRefused("'on' must be true or false");
  return params.on;
}

function whole(params: Record<string, unknown>, key: string, min: number, max: number): number {
  onlyKeys(params, [key]);
  const value = params[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new CommandRefused(`'${key}' must be a whole number from ${min} to ${max}`);
  }
  return value;
}
