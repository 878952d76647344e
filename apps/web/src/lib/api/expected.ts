/**
 * Procedures the dashboard uses that the server has not published yet. Each is called by name
 * through an untyped client (see `expected-client.ts`); when the server adds one, its entry
 * moves out of here and the page switches to the typed client, so the server's router stays the
 * one source of these shapes.
 */

/** The newest stored reading of a device, for the overview's first paint. */
export type LatestReading = {
  deviceId: string;
  /** Reading time, epoch milliseconds. */
  ts: number;
  metrics: Record<string, number | boolean>;
};

/** Expected queries: path -> [input, output]. */
export type ExpectedQueries = {
  'telemetry.latest': [{ deviceIds?: string[] }, LatestReading[]];
};
