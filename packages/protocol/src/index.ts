export {
  type Decoded,
  type DecodeOptions,
  decodeTelemetry,
  REJECT_REASONS,
  type Rejected,
  type RejectReason,
} from './decode';
export {
  decodeCommand,
  decodeCommandAck,
  decodeEvent,
  decodeState,
  type MessageRejected,
} from './device-messages';
export { encodeCommand, encodeTelemetry } from './encode';
export { jsonDepth, parseJsonPayload } from './json';
export {
  type Adapted,
  adaptDrone,
  adaptFlat,
  adaptNode,
  DEFAULT_LEGACY,
  type DroneMessage,
  type FlatMessage,
  LEGACY_TOPICS,
  type LegacyShape,
  type LegacyToggles,
  legacyTimestampMs,
  type NodeMessage,
  SENSOR_RENAMES,
} from './legacy';
export { LIMITS, METRIC_NAME_PATTERN } from './limits';
export {
  CANONICAL_METRICS,
  type CanonicalMetric,
  type CanonicalMetricName,
  canonicalMetric,
} from './metrics';
export {
  COMMAND_ACK_STATUSES,
  type Command,
  type CommandAck,
  CommandAckSchema,
  CommandSchema,
  type DeviceEvent,
  type DeviceState,
  EventSchema,
  jsonSchemas,
  RFC3339_PATTERN,
  StateSchema,
  type Telemetry,
  TelemetrySchema,
} from './schemas';
export { IDENTITY_FIELDS } from './telemetry-errors';
export { checkSkew, type ParsedInstant, parseTimestamp, timestampMs } from './timestamp';
export {
  DEFAULT_TOPIC_ROOT,
  DEVICE_ID_PATTERN,
  EVENT_NAME_PATTERN,
  type ParsedTopic,
  parseTopic,
  type TopicKind,
  topics,
} from './topics';
