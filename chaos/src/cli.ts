/**
 * `bun run chaos`: runs fault-injection scenarios against the real server, Mosquitto and
 * PostgreSQL, prints each scenario's figures, ends with one JSON line, and exits 1 when a promise
 * is broken.
 *
 * Usage: bun run chaos [-- [--short] [scenario ...]]   scenarios: see SCENARIOS below.
 */
import { parseArgs } from 'node:util';
import { shareServices, startSharedServices } from './cluster';
import { formatResult, isBroken, type ScenarioResult, summaryLine } from './report';
import { SCENARIOS } from './scenarios';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    short: { type: 'boolean', default: false },
    replicas: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

const names = Object.keys(SCENARIOS);
if (values.help) {
  console.log(`usage: bun run chaos -- [--short] [${names.join('|')} ...]`);
  process.exit(0);
}
const unknown = positionals.filter((p) => !names.includes(p));
if (unknown.length > 0) {
  console.error(`unknown scenario ${unknown.join(', ')}; known: ${names.join(', ')}`);
  process.exit(2);
}
const picked = positionals.length > 0 ? positionals : names.filter((n) => SCENARIOS[n]?.inDefault);
const mode = values.short ? 'short' : 'full';
const results: ScenarioResult[] = [];
const services = await startSharedServices();
shareServices(services);
for (const name of picked) {
  const scenario = SCENARIOS[name];
  if (scenario === undefined) continue;
  console.log(`-- ${name} (${mode})`);
  const started = performance.now();
  try {
    const scenarioResults = await scenario.run(mode, { replicas: values.replicas });
    for (const r of scenarioResults) {
      results.push(r);
      console.log(formatResult(r));
    }
  } catch (error) {
    console.error(`${name} failed to run: ${(error as Error).stack ?? error}`);
    results.push({
      name,
      figures: {
        offered: 0,
        acked: 0,
        stored: 0,
        lost: 0,
        duplicated: 0,
        detectedGaps: 0,
        lostDetected: 0,
        recoveryMs: null,
        drainMsgPerSec: null,
        extra: { error: (error as Error).message },
      },
      claims: [{ claim: 'scenario ran', held: false, detail: (error as Error).message }],
    });
  }
  console.log(`   (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
await services.postgres.stop();
await services.chain.stop();
console.log(summaryLine(results));
process.exit(results.some(isBroken) ? 1 : 0);
