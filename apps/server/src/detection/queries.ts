/** Reading anomalies back for the API: newest first, per device, one at a time, acknowledged. */
import { and, desc, eq, isNull, lt, type SQL } from 'drizzle-orm';
import { NotFoundError } from '../errors';
import type { Database } from '../telemetry/database';
import type { AnomalyListQuery } from './inputs';
import { Anomalies, type Anomaly } from './schema';

/** How an anomaly's evidence stands (the evidence module answers). */
export type EvidenceLookup<E> = (ids: readonly bigint[]) => Promise<Map<bigint, E>>;

export type AnomalyView<E> = {
  id: string;
  deviceId: string;
  /** Time of the reading that was scored, ISO 8601. */
  ts: string;
  detectedAt: string;
  type: string;
  severity: 'low' | 'medium' | 'high' | 'critical';
  score: number;
  threshold: number;
  detail: string;
  features: Record<string, number>;
  acknowledgedAt: string | null;
  evidence: E | null;
};

export type AnomalyQueries<E> = ReturnType<typeof createAnomalyQueries<E>>;

const DEFAULT_LIMIT = 50;

/** Anomaly queries over `database`, each anomaly with its evidence status from `evidenceOf`. */
export function createAnomalyQueries<E>(database: Database, evidenceOf: EvidenceLookup<E>) {
  const { db } = database;
  const withEvidence = async (rows: Anomaly[]) => {
    const evidence = await evidenceOf(rows.map((row) => row.id));
    return rows.map((row) => toView(row, evidence.get(row.id) ?? null));
  };

  return {
    /** Newest first, optionally one device's, paged by id. */
    async list(query: AnomalyListQuery) {
      const limit = query.limit ?? DEFAULT_LIMIT;
      const filters: SQL[] = [];
      if (query.deviceId !== undefined) filters.push(eq(Anomalies.deviceId, query.deviceId));
      if (query.before !== undefined) filters.push(lt(Anomalies.id, query.before));
      const rows = await db
        .select()
        .from(Anomalies)
        .where(and(...filters))
        .orderBy(desc(Anomalies.id))
        .limit(limit);
      const last = rows.at(-1);
      return {
        anomalies: await withEvidence(rows),
        nextBefore: rows.length === limit && last !== undefined ? last.id.toString() : null,
      };
    },

    /** One anomaly. @throws NotFoundError */
    async get(id: bigint) {
      const [row] = await db.select().from(Anomalies).where(eq(Anomalies.id, id));
      if (row === undefined) throw new NotFoundError(`no anomaly ${id}`);
      const [view] = await withEvidence([row]);
      return view as AnomalyView<E>;
    },

    /**
     * Marks an anomaly as seen by an operator; acknowledging twice keeps the first time. The
     * acknowledgement is not part of the evidence record, so it never disturbs the leaf.
     * @throws NotFoundError
     */
    async acknowledge(id: bigint) {
      await db
        .update(Anomalies)
        .set({ acknowledgedAt: new Date() })
        .where(and(eq(Anomalies.id, id), isNull(Anomalies.acknowledgedAt)));
      const [row] = await db
        .select({ id: Anomalies.id, deviceId: Anomalies.deviceId, at: Anomalies.acknowledgedAt })
        .from(Anomalies)
        .where(eq(Anomalies.id, id));
      if (row === undefined || row.at === null) throw new NotFoundError(`no anomaly ${id}`);
      return {
        id: row.id.toString(),
        deviceId: row.deviceId,
        acknowledgedAt: row.at.toISOString(),
      };
    },
  };
}

function toView<E>(row: Anomaly, evidence: E | null): AnomalyView<E> {
  return {
    id: row.id.toString(),
    deviceId: row.deviceId,
    ts: row.readingTs.toISOString(),
    detectedAt: row.detectedAt.toISOString(),
    type: row.type,
    severity: row.severity as AnomalyView<E>['severity'],
    score: row.score,
    threshold: row.threshold,
    detail: `${row.type}, ${row.severity}: score ${row.score.toFixed(3)} (threshold ${row.threshold.toFixed(3)})`,
    features: row.features,
    acknowledgedAt: row.acknowledgedAt?.toISOString() ?? null,
    evidence,
  };
}
