/**
 * Procedures and live events the dashboard uses that the server has not published yet. Each is
 * called by name through an untyped client (see `expected-client.ts`); when the server adds one,
 * its entry moves out of here and the page switches to the typed client, so the server's
 * router stays the one source of these shapes.
 */

export type Severity = 'low' | 'medium' | 'high' | 'critical';

/** Where an anomaly's evidence stands on chain. */
export type EvidenceView = {
  status: 'pending' | 'anchored' | 'failed';
  batchId: string | null;
  root: string | null;
  txHash: string | null;
  blockNumber: number | null;
};

export type AnomalyView = {
  id: string;
  deviceId: string;
  /** Time of the reading that was scored, ISO 8601. */
  ts: string;
  type: string;
  severity: Severity;
  score: number;
  detail: string;
  acknowledgedAt: string | null;
  evidence: EvidenceView | null;
};

export type AnomalyPage = { anomalies: AnomalyView[]; nextBefore: string | null };

export type VerifyResult = {
  verified: boolean;
  /** Root recomputed from the stored record and raw bytes. */
  recomputedRoot: string;
  /** Root the contract holds for the batch, or null if it holds none. */
  onChainRoot: string | null;
  txHash: string | null;
  blockNumber: number | null;
  detail: string;
};

/** Broker credentials as the registry issues them; `secret` is shown this once only. */
export type IssuedCredentials = { id: string; username: string; secret: string };
export type ClaimCodeBatch = { model: string; expiresAt: string; codes: string[] };
export type LatestReading = {
  deviceId: string;
  ts: number;
  metrics: Record<string, number | boolean>;
};

/** Live events the dashboard understands beyond the server's current ones. */
export type ExpectedLiveEvent =
  | {
      type: 'anomaly';
      anomalyId: string;
      deviceId: string;
      ts: number;
      anomalyType: string;
      severity: Severity;
      score: number;
    }
  | { type: 'anomaly_acknowledged'; anomalyId: string; deviceId: string }
  | { type: 'evidence'; anomalyId: string; evidence: EvidenceView };

/** Expected queries: path -> [input, output]. */
export type ExpectedQueries = {
  'telemetry.latest': [{ deviceIds?: string[] }, LatestReading[]];
  'anomalies.list': [{ deviceId?: string; before?: string; limit?: number }, AnomalyPage];
};

/** Expected mutations: path -> [input, output]. */
export type ExpectedMutations = {
  'anomalies.acknowledge': [{ id: string }, { id: string; acknowledgedAt: string }];
  'evidence.verify': [{ anomalyId: string }, VerifyResult];
  'devices.create': [{ id: string; name?: string; model?: string }, IssuedCredentials];
  'devices.rotateSecret': [{ id: string }, IssuedCredentials];
  'devices.revoke': [{ id: string }, unknown];
  'devices.mintClaimCodes': [{ model: string; count?: number; ttlS?: number }, ClaimCodeBatch];
};
