import type { Static, TSchema } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import type { RejectReason } from './decode';
import { parseJsonPayload } from './json';
import { firstSchemaError } from './schema-errors';
import {
  type Command,
  type CommandAck,
  CommandAckSchema,
  CommandSchema,
  type DeviceEvent,
  type DeviceState,
  EventSchema,
  StateSchema,
} from './schemas';
import { parseTimestamp } from './timestamp';

export type MessageRejected = { ok: false; reason: RejectReason; detail: string };

const checkState = TypeCompiler.Compile(StateSchema);
const checkEvent = TypeCompiler.Compile(EventSchema);
const checkCommand = TypeCompiler.Compile(CommandSchema);
const checkAck = TypeCompiler.Compile(CommandAckSchema);

/** Decodes a retained `state` payload (including the Last Will `{"online":false}`). */
export function decodeState(
  payload: Uint8Array,
): { ok: true; state: DeviceState } | MessageRejected {
  const checked = decodeWith(checkState, payload);
  if (!checked.ok) return checked;
  const ts = checked.value.ts;
  if (ts !== undefined) {
    const parsed = parseTimestamp(ts);
    if (!parsed.ok) return { ok: false, reason: 'schema', detail: parsed.detail };
  }
  return { ok: true, state: checked.value };
}

/** Decodes an `event/<name>` payload; `ts` is required and must be a real instant. */
export function decodeEvent(
  payload: Uint8Array,
): { ok: true; event: DeviceEvent; tsMs: number } | MessageRejected {
  const checked = decodeWith(checkEvent, payload);
  if (!checked.ok) return checked;
  const parsed = parseTimestamp(checked.value.ts);
  if (!parsed.ok) return { ok: false, reason: 'schema', detail: parsed.detail };
  return { ok: true, event: checked.value, tsMs: parsed.tsMs };
}

/** Decodes a `cmd` payload, as a device (or the simulator) receives it. */
export function decodeCommand(
  payload: Uint8Array,
): { ok: true; command: Command } | MessageRejected {
  const checked = decodeWith(checkCommand, payload);
  return checked.ok ? { ok: true, command: checked.value } : checked;
}

/** Decodes a `cmd/ack` payload. */
export function decodeCommandAck(
  payload: Uint8Array,
): { ok: true; ack: CommandAck } | MessageRejected {
  const checked = decodeWith(checkAck, payload);
  return checked.ok ? { ok: true, ack: checked.value } : checked;
}

/** Size, UTF-8, JSON, depth, then the compiled schema: the same gate telemetry passes. */
function decodeWith<T extends TSchema>(
  check: TypeCheck<T>,
  payload: Uint8Array,
): { ok: true; value: Static<T> } | MessageRejected {
  const parsed = parseJsonPayload(payload);
  if (!parsed.ok) return parsed;
  if (!check.Check(parsed.value)) {
    return { ok: false, reason: 'schema', detail: firstSchemaError(check, parsed.value) };
  }
  return { ok: true, value: parsed.value };
}
