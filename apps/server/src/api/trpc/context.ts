import type { EventBus } from '../../events/bus';
import type { Database } from '../../telemetry/database';
import type { TelemetryQueries } from '../../telemetry/queries';

/** What every tRPC procedure can reach: the services, never the HTTP framework. */
export type ApiContext = {
  database: Database;
  telemetry: TelemetryQueries;
  bus: EventBus;
};
