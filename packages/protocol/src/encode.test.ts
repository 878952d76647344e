import { expect, test } from 'bun:test';
import { decodeTelemetry } from './decode';
import { decodeCommand } from './device-messages';
import { encodeCommand, encodeTelemetry } from './encode';

test('encodeTelemetry writes exactly the v1 fields, and the decoder reads them back', () => {
  const telemetry = { ts: 1_795_435_200_000, boot: 9, seq: 3, metrics: { temperature: 20.25 } };
  const text = encodeTelemetry({ ...telemetry, extra: 'dropped' } as typeof telemetry);
  expect(text).toBe('{"ts":1795435200000,"boot":9,"seq":3,"metrics":{"temperature":20.25}}');
  const decoded = decodeTelemetry('devices/d/telemetry', new TextEncoder().encode(text), {
    receivedAt: telemetry.ts,
  });
  expect(decoded).toEqual({ ok: true, deviceId: 'd', telemetry, tsMs: telemetry.ts });
});

test('encodeCommand round-trips through decodeCommand', () => {
  const command = { id: 'c-1', name: 'reboot', params: {}, expiresAt: 1_795_435_260_000 };
  expect(decodeCommand(new TextEncoder().encode(encodeCommand(command)))).toEqual({
    ok: true,
    command,
  });
});
