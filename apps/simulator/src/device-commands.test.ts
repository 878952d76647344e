import { describe, expect, test } from 'bun:test';
import { SimulatedDevice } from './device';
import { DeviceCommands, REBOOT_PAUSE_MS } from './device-commands';
import { NO_FAULTS } from './faults/plan';

const T = 1_800_000_000_000;

function device(kind: 'sensor' | 'drone' = 'sensor') {
  return new SimulatedDevice({
    seed: 7,
    deviceId: `${kind}-1`,
    kind,
    intervalMs: 1_000,
    startMs: T,
    plan: NO_FAULTS,
  });
}

const command = (id: string, name: string, params: object, expiresAt = T + 60_000) =>
  new TextEncoder().encode(JSON.stringify({ id, name, params, expiresAt }));

function metricsOf(sim: SimulatedDevice, t: number) {
  const [emission] = sim.step(t).emissions;
  return JSON.parse(emission?.payload ?? '{}') as { boot: number; seq: number; metrics: object };
}

describe('simulated device commands', () => {
  test('a command runs once: accepted then done; a repeat gets the last status only', () => {
    const sim = device();
    const commands = new DeviceCommands(sim, () => T);
    const first = commands.handle(command('c1', 'set_led', { on: true }));
    expect(first?.acks).toEqual([
      { id: 'c1', status: 'accepted' },
      { id: 'c1', status: 'done', result: { led: true } },
    ]);
    expect(first?.repeated).toBe(false);
    sim.setControl('led', false);
    const again = commands.handle(command('c1', 'set_led', { on: true }));
    expect(again?.acks).toEqual([{ id: 'c1', status: 'done', result: { led: true } }]);
    expect(again?.repeated).toBe(true);
    expect(metricsOf(sim, T).metrics).toMatchObject({ led: false });
  });

  test('defense reports the flag and reports four times as often; set_interval changes the rate', () => {
    const sim = device();
    const commands = new DeviceCommands(sim, () => T);
    expect(sim.step(T).nextMs).toBe(T + 1_000);
    commands.handle(command('c1', 'defense', { on: true }));
    const { emissions, nextMs } = sim.step(T + 1_000);
    expect(nextMs).toBe(T + 1_250);
    expect(JSON.parse(emissions[0]?.payload ?? '{}').metrics.defense).toBe(true);
    commands.handle(command('c2', 'set_interval', { ms: 400 }));
    expect(sim.intervalMs).toBe(200);
    commands.handle(command('c3', 'defense', { on: false }));
    expect(sim.intervalMs).toBe(400);
  });

  test('servo and reboot: angle reported, new boot and seq 0 after the pause', () => {
    const sim = device();
    const commands = new DeviceCommands(sim, () => T);
    commands.handle(command('c1', 'set_servo', { angle: 90 }));
    const before = metricsOf(sim, T);
    expect(before.metrics).toMatchObject({ servo_angle: 90 });
    const outcome = commands.handle(command('c2', 'reboot', {}));
    expect(outcome?.effect).toEqual({ reboot: true, pauseMs: REBOOT_PAUSE_MS });
    sim.reboot();
    const after = metricsOf(sim, T + 1_000);
    expect(after.boot).not.toBe(before.boot);
    expect(after.seq).toBe(0);
  });

  test('bad parameters, unsupported commands and expired ones are rejected without running', () => {
    const sim = device('drone');
    const commands = new DeviceCommands(sim, () => T);
    expect(commands.handle(command('c1', 'set_interval', { ms: 50 }))?.acks).toEqual([
      { id: 'c1', status: 'rejected', error: "'ms' must be a whole number from 200 to 3600000" },
    ]);
    expect(commands.handle(command('c2', 'set_led', { on: true }))?.acks[0]?.error).toBe(
      "unsupported command 'set_led'",
    );
    expect(commands.handle(command('c3', 'reboot', {}, T - 1))?.acks[0]).toEqual({
      id: 'c3',
      status: 'rejected',
      error: 'expired before it arrived',
    });
    expect(commands.handle(new TextEncoder().encode('{"id":1}'))).toBeNull();
    expect(sim.intervalMs).toBe(1_000);
  });
});
