/**
 * `bun run simulate -- --url mqtt://127.0.0.1:1883 --sensors 20 --drones 5 --faults 0.02`
 * Exit codes: 0 done, 1 the fleet could not start, 2 bad arguments.
 */
import { CLI_USAGE, parseCliArgs } from './cli-args';
import { startFleet, validateFleetOptions } from './fleet';
import { formatStats } from './progress';
import { stopOnSignals } from './shutdown';
import { SimulatorInputError } from './types';

const PROGRESS_EVERY_MS = 5_000;

async function main(): Promise<number> {
  let command: ReturnType<typeof parseCliArgs>;
  try {
    command = parseCliArgs(Bun.argv.slice(2));
    if (!command.help) validateFleetOptions(command.options);
  } catch (error) {
    if (!(error instanceof SimulatorInputError)) throw error;
    console.error(`simulator: ${error.message}\n\n${CLI_USAGE}`);
    return 2;
  }
  if (command.help) {
    console.log(CLI_USAGE);
    return 0;
  }
  const { options } = command;
  const errors = new Map<string, number>();
  let fleet: Awaited<ReturnType<typeof startFleet>>;
  try {
    fleet = await startFleet({
      ...options,
      onError: (_deviceId, error) =>
        errors.set(error.message, (errors.get(error.message) ?? 0) + 1),
    });
  } catch (error) {
    console.error(`simulator: ${(error as Error).message}`);
    return 1;
  }
  console.log(
    `simulator: ${fleet.deviceIds.length} devices connected to ${options.url}, ` +
      `every ${options.intervalMs} ms, fault rate ${options.faultRate}` +
      (options.durationMs === undefined
        ? ', Ctrl-C to stop'
        : `, for ${options.durationMs / 1000} s`),
  );
  const started = Date.now();
  const progress = setInterval(() => {
    console.log(`simulator: ${formatStats(fleet.stats(), Date.now() - started)}`);
    for (const [message, count] of errors) console.error(`simulator: ${count}x ${message}`);
    errors.clear();
  }, PROGRESS_EVERY_MS);
  const release = stopOnSignals(async (signal) => {
    console.log(`simulator: ${signal}, disconnecting`);
    await fleet.stop();
  });
  const result = await fleet.finished;
  clearInterval(progress);
  release();
  console.log(`simulator: stopped. ${formatStats(result, Date.now() - started)}`);
  return 0;
}

if (import.meta.main) process.exit(await main());
