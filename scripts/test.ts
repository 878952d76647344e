/**
 * `bun run test`: runs every suite in scripts/suites.ts, streams their output, and ends with one
 * line over all of them — `N passed, N failed` — which CI reads.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Counts, suites } from './suites';

const root = resolve(import.meta.dir, '..');
const only = process.argv.slice(2);
const total: Counts = { passed: 0, failed: 0 };
const report: string[] = [];

for (const suite of suites) {
  if (only.length > 0 && !only.some((word) => suite.name.includes(word))) continue;
  if (suite.requires !== undefined && !existsSync(resolve(root, suite.requires))) continue;
  console.log(`\n=== ${suite.name} ===`);
  const started = performance.now();
  const proc = Bun.spawn(suite.cmd, {
    cwd: resolve(root, suite.cwd ?? '.'),
    stdout: 'pipe',
    stderr: 'pipe',
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
  });
  const timer = setTimeout(() => proc.kill('SIGKILL'), suite.timeoutMs);
  const [out, err] = await Promise.all([
    pipe(proc.stdout, process.stdout),
    pipe(proc.stderr, process.stderr),
  ]);
  const exitCode = await proc.exited;
  clearTimeout(timer);
  const counts = suite.parse(`${out}\n${err}`, exitCode);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const timedOut = proc.signalCode === 'SIGKILL' ? ' (timed out)' : '';
  report.push(
    `${suite.name}: ${counts.passed} passed, ${counts.failed} failed in ${seconds}s${timedOut}`,
  );
  total.passed += counts.passed;
  total.failed += counts.failed;
}

console.log('\n=== summary ===');
for (const line of report) console.log(line);
console.log(`${total.passed} passed, ${total.failed} failed`);
process.exit(total.failed === 0 && total.passed > 0 ? 0 : 1);

/** Copies a stream to our own output while keeping its text for the parser. */
async function pipe(stream: ReadableStream<Uint8Array>, sink: NodeJS.WriteStream): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of stream) {
    sink.write(chunk);
    text += decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}
