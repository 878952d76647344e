import type { Principal } from '../../auth/principal';
import type { CommandService } from '../../commands/service';
import type { AnomalyQueries } from '../../detection/queries';
import type { DeviceRegistry } from '../../devices/registry';
import type { EventBus } from '../../events/bus';
import type { EvidenceQueries, EvidenceView } from '../../evidence/queries';
import type { Database } from '../../telemetry/database';
import type { TelemetryQueries } from '../../telemetry/queries';

/** What every tRPC procedure can reach: the services, never the HTTP framework. */
export type ApiContext = {
  database: Database;
  telemetry: TelemetryQueries;
  bus: EventBus;
  registry: DeviceRegistry;
  commands: CommandService;
  anomalies: AnomalyQueries<EvidenceView>;
  evidence: EvidenceQueries;
  /** The caller, resolved on first use; throws UnauthenticatedError for bad credentials. */
  principal(): Promise<Principal | null>;
};
