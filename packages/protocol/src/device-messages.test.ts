import { expect, test } from 'bun:test';
import { decodeCommand, decodeCommandAck, decodeEvent, decodeState } from './device-messages';
import { LIMITS } from './limits';

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

test('state: the Last Will shape, the full shape, and extra fields kept', () => {
  expect(decodeState(bytes({ online: false }))).toEqual({ ok: true, state: { online: false } });
  const full = { online: true, fw: '1.4.2', model: 'esp32-env', rssi: -58, uptime: 12 };
  expect(decodeState(bytes(full))).toEqual({ ok: true, state: full });
  expect(decodeState(bytes({ online: true, ip: '10.0.0.7' })).ok).toBe(true);
});

test('state: online is required, types and timestamps are checked', () => {
  expect(decodeState(bytes({ fw: '1' }))).toEqual({
    ok: false,
    reason: 'schema',
    detail: 'online: expected required property',
  });
  expect(decodeState(bytes({ online: 'yes' }))).toMatchObject({
    detail: 'online: expected boolean, got "yes"',
  });
  expect(decodeState(bytes({ online: true, uptime: -1 }))).toMatchObject({ reason: 'schema' });
  expect(decodeState(bytes({ online: true, ts: '2026-02-30T00:00:00Z' }))).toMatchObject({
    reason: 'schema',
    detail: expect.stringContaining('day 30 does not exist'),
  });
});

test('maxStringLength: a 256-character fw passes, 257 does not', () => {
  const fw = 'v'.repeat(LIMITS.maxStringLength);
  expect(decodeState(bytes({ online: true, fw })).ok).toBe(true);
  expect(decodeState(bytes({ online: true, fw: `${fw}1` }))).toMatchObject({
    reason: 'schema',
    detail: expect.stringMatching(/^fw: /),
  });
  expect(decodeCommandAck(bytes({ id: 'c', status: 'failed', error: `${fw}1` }))).toMatchObject({
    reason: 'schema',
  });
});

test('events: ts is required and must be a real instant; other fields are free', () => {
  const event = { ts: '2026-11-23T12:00:03Z', switch: 'lid', open: true };
  expect(decodeEvent(bytes(event))).toEqual({
    ok: true,
    event,
    tsMs: Date.UTC(2026, 10, 23, 12, 0, 3),
  });
  expect(decodeEvent(bytes({ open: true }))).toMatchObject({ reason: 'schema' });
  expect(decodeEvent(bytes({ ts: '2026-11-31T00:00:00Z' }))).toMatchObject({ reason: 'schema' });
});

test('commands: all four fields, names in snake case, nothing else', () => {
  const command = { id: 'c1', name: 'set_led', params: { on: true }, expiresAt: 1_795_464_773_844 };
  expect(decodeCommand(bytes(command))).toEqual({ ok: true, command });
  expect(decodeCommand(bytes({ ...command, name: 'Set LED' }))).toMatchObject({
    reason: 'schema',
  });
  expect(decodeCommand(bytes({ ...command, id: '' }))).toMatchObject({ reason: 'schema' });
  expect(decodeCommand(bytes({ ...command, extra: 1 }))).toMatchObject({ reason: 'schema' });
  const { expiresAt: _, ...noExpiry } = command;
  expect(decodeCommand(bytes(noExpiry))).toMatchObject({ reason: 'schema' });
});

test('command acks: statuses are a closed set; the JSON gate applies', () => {
  expect(decodeCommandAck(bytes({ id: 'c1', status: 'done', result: { angle: 90 } }))).toEqual({
    ok: true,
    ack: { id: 'c1', status: 'done', result: { angle: 90 } },
  });
  for (const status of ['accepted', 'done', 'rejected', 'failed']) {
    expect(decodeCommandAck(bytes({ id: 'c1', status })).ok).toBe(true);
  }
  expect(decodeCommandAck(bytes({ id: 'c1', status: 'maybe' }))).toMatchObject({
    ok: false,
    reason: 'schema',
  });
  expect(decodeCommandAck(new Uint8Array([0xff]))).toMatchObject({ ok: false, reason: 'bad_utf8' });
  expect(decodeCommandAck(new Uint8Array(LIMITS.maxPayloadBytes + 1))).toMatchObject({
    reason: 'oversize',
  });
});
