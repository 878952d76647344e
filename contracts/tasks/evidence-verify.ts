/** `hardhat evidence:verify --anomaly <id>`: audits one anomaly. */
import { AuditSetupError } from './audit-env';
import { runAudit } from './run-audit';

export default async function evidenceVerify(args: { anomaly: string }): Promise<void> {
  await runAudit(() => {
    if (!/^[1-9]\d{0,18}$/.test(args.anomaly)) {
      throw new AuditSetupError(`--anomaly must be an anomaly id, got '${args.anomaly}'`);
    }
    return { anomalyId: BigInt(args.anomaly) };
  });
}
