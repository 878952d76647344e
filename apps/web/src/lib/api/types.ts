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
export type DeadLetterPage = Outputs['deadLetters']['list'];
export type DeadLetterQuery = Inputs['deadLetters']['list'];

/** A metric value as devices report it. */
export type MetricValue = number | boolean;
