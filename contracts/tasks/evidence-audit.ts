/** `hardhat evidence:audit [--from <time>] [--to <time>]`: audits every anomaly detected in range. */
import { parseInstant } from './audit-env';
import { runAudit } from './run-audit';

export default async function evidenceAudit(args: { from: string; to: string }): Promise<void> {
  await runAudit(() => ({
    from: parseInstant(args.from, 'from'),
    to: parseInstant(args.to, 'to'),
  }));
}
