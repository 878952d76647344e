import { type Static, Type } from '@sinclair/typebox';
import { LIMITS, METRIC_NAME_PATTERN } from './limits';

/** RFC 3339 date-time (the `ts` string form), checked again by the timestamp parser. */
export const RFC3339_PATTERN =
  '^\\d{4}-\\d{2}-\\d{2}[Tt ]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2})$';

const Timestamp = Type.Union(
  [
    Type.String({ pattern: RFC3339_PATTERN, maxLength: 40 }),
    Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  ],
  { description: 'RFC 3339 date-time or epoch milliseconds' },
);

const MetricValue = Type.Union([Type.Number(), Type.Boolean()]);

/** `devices/<id>/telemetry`: one reading of one or more metrics. */
export const TelemetrySchema = Type.Object(
  {
    ts: Timestamp,
    boot: Type.Integer({ minimum: 0, maximum: LIMITS.maxBoot, description: 'Random per boot' }),
    seq: Type.Integer({
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      description: '+1 per message',
    }),
    // additionalProperties: false makes a badly named metric fail validation instead of being
    // skipped by patternProperties.
    metrics: Type.Record(Type.String({ pattern: METRIC_NAME_PATTERN }), MetricValue, {
      minProperties: 1,
      maxProperties: LIMITS.maxMetrics,
      additionalProperties: false,
    }),
  },
  { $id: 'vigil/v1/telemetry', title: 'Telemetry', additionalProperties: false },
);
export type Telemetry = Static<typeof TelemetrySchema>;

const ShortString = Type.String({ maxLength: LIMITS.maxStringLength });

/** `devices/<id>/state` (retained; the Last Will publishes `{"online":false}`). */
export const StateSchema = Type.Object(
  {
    online: Type.Boolean(),
    fw: Type.Optional(ShortString),
    model: Type.Optional(ShortString),
    rssi: Type.Optional(Type.Number()),
    uptime: Type.Optional(Type.Number({ minimum: 0 })),
    ts: Type.Optional(Timestamp),
  },
  { $id: 'vigil/v1/state', title: 'DeviceState', additionalProperties: true },
);
export type DeviceState = Static<typeof StateSchema>;

/** `devices/<id>/event/<name>`: a discrete occurrence (button, tamper switch, error). */
export const EventSchema = Type.Object(
  { ts: Timestamp },
  { $id: 'vigil/v1/event', title: 'DeviceEvent', additionalProperties: true },
);
export type DeviceEvent = Static<typeof EventSchema> & Record<string, unknown>;

/** `devices/<id>/cmd` (server to device). Devices ignore an id they have already executed. */
export const CommandSchema = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64 }),
    name: Type.String({ pattern: '^[a-z][a-z0-9_]{0,31}$' }),
    params: Type.Record(Type.String(), Type.Unknown()),
    expiresAt: Type.Integer({
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'Epoch milliseconds; not executed after this',
    }),
  },
  { $id: 'vigil/v1/cmd', title: 'Command', additionalProperties: false },
);
export type Command = Static<typeof CommandSchema>;

export const COMMAND_ACK_STATUSES = ['accepted', 'done', 'rejected', 'failed'] as const;

/** `devices/<id>/cmd/ack` (device to server), carrying the command's id. */
export const CommandAckSchema = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64 }),
    status: Type.Union(COMMAND_ACK_STATUSES.map((s) => Type.Literal(s))),
    result: Type.Optional(Type.Unknown()),
    error: Type.Optional(ShortString),
  },
  { $id: 'vigil/v1/cmd-ack', title: 'CommandAck', additionalProperties: false },
);
export type CommandAck = Static<typeof CommandAckSchema>;

/** The JSON Schema document of every message kind, for integrators' own validators. */
export const jsonSchemas = {
  telemetry: TelemetrySchema,
  state: StateSchema,
  event: EventSchema,
  cmd: CommandSchema,
  cmd_ack: CommandAckSchema,
} as const;
