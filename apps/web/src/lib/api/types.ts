/**
 * View types of the dashboard, inferred from the server's router so a change on the server is
 * a type error here rather than a blank tile.
 */
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@vigil/server/router';

type Outputs = inferRouterOutputs<AppRouter>;
type Inputs = inferRouterInputs<AppRouter>;

export type DeviceView = Outputs['devices']['byId'];
export type DevicePage = Outputs['devices']['list'];
export type TelemetryResult = Outputs['telemetry']['query'];
export type TelemetryQuery = Inputs['telemetry']['query'];
/** The newest stored reading of a device, for the overview's first paint. */
export type LatestReading = Outputs['telemetry']['latest'][number];
export type DeadLetterPage = Outputs['deadLetters']['list'];
export type DeadLetterQuery = Inputs['deadLetters']['list'];

export type CommandCatalogue = Outputs['commands']['catalogue'];
export type CommandSpec = CommandCatalogue['commands'][number];
export type CommandField = CommandSpec['fields'][number];
export type CommandView = Outputs['commands']['list'][number];
export type AnomalyPage = Outputs['anomalies']['list'];
export type AnomalyView = AnomalyPage['anomalies'][number];
export type Severity = AnomalyView['severity'];
export type VerifyResult = Outputs['evidence']['verify'];
/** Broker credentials as the registry issues them; `secret` is shown this once only. */
export type IssuedCredentials = Outputs['devices']['rotateSecret'];
export type ClaimCodeBatch = Outputs['devices']['mintClaimCodes'];
export type DeviceStateView = Outputs['devices']['state'];
export type DeviceStates = Outputs['devices']['states'];
/** The signed-in caller (user or API token) with its role. */
export type Principal = NonNullable<Outputs['auth']['me']>;

/** A metric value as devices report it. */
export type MetricValue = number | boolean;
