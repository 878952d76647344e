/** The shared edge of both audit tasks: run, print, and set the exit code. */
import { type AuditScope, auditEvidence, formatAudit } from '../src/audit';
import { AuditSetupError, openAuditEnv } from './audit-env';

/**
 * Audits `scope`, prints one line per anomaly and a summary, and sets the exit code: 0 when all
 * is OK or not yet anchored, 1 when anything is TAMPERED or MISSING, 2 when the audit cannot run.
 */
export async function runAudit(scope: () => AuditScope): Promise<void> {
  let env: Awaited<ReturnType<typeof openAuditEnv>> | undefined;
  try {
    const wanted = scope();
    env = await openAuditEnv();
    const report = await auditEvidence(env.db, env.chain, wanted);
    if ('anomalyId' in wanted && report.findings.length === 0) {
      throw new AuditSetupError(`no anomaly ${wanted.anomalyId} and no evidence naming it`);
    }
    for (const line of formatAudit(report)) console.log(line);
    process.exitCode = report.failed ? 1 : 0;
  } catch (error) {
    if (!(error instanceof AuditSetupError)) throw error;
    console.error(`audit: ${error.message}`);
    process.exitCode = 2;
  } finally {
    await env?.close();
  }
}
