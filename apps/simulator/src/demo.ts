/**
 * `bun run demo`: the Vigil server plus a simulated fleet publishing to it, so a new user sees data
 * flowing within seconds. The demo is the server's first admin: it registers every simulated
 * device over the API and gives each its own broker credentials. Ctrl-C stops the fleet first
 * (devices say goodbye while the broker is still up), then the server. Exit codes: 0 stopped on
 * request, 1 failure, 2 bad arguments.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { reapWithParent } from '@vigil/testkit';
import { adminEnv, type DemoAdmin, demoAdmin, provisionDevices } from './demo-admin';
import { DEMO_USAGE, type DemoOptions, parseDemoOptions } from './demo-options';
import { fleetDeviceIds } from './device-ids';
import { type FleetOptions, type RunningFleet, startFleet, validateFleetOptions } from './fleet';
import { waitForHealth } from './health';
import { formatStats } from './progress';
import { stopOnSignals } from './shutdown';
import { SimulatorInputError } from './types';

const REPO_ROOT = resolve(import.meta.dir, '../../..');
const SERVER_ENTRY = resolve(REPO_ROOT, 'apps/server/src/main.ts');
const SERVER_STOP_MS = 15_000;
const PROGRESS_EVERY_MS = 10_000;

async function main(): Promise<number> {
  let options: DemoOptions;
  let fleetOptions: FleetOptions;
  try {
    const parsed = parseDemoOptions(Bun.argv.slice(2), process.env);
    if (parsed === 'help') {
      console.log(DEMO_USAGE);
      return 0;
    }
    options = parsed;
    fleetOptions = {
      url: options.brokerUrl,
      sensors: options.sensors,
      drones: options.drones,
      intervalMs: options.intervalMs,
      faultRate: options.faultRate,
      legacyFraction: options.legacyFraction,
      topicRoot: options.topicRoot,
    };
    validateFleetOptions(fleetOptions);
  } catch (error) {
    if (!(error instanceof SimulatorInputError)) throw error;
    console.error(`demo: ${error.message}\n\n${DEMO_USAGE}`);
    return 2;
  }
  if (!existsSync(SERVER_ENTRY)) {
    console.error(`demo: the server entry point ${SERVER_ENTRY} does not exist`);
    return 1;
  }

  const admin = demoAdmin(options.serverEnv, REPO_ROOT);
  console.log(`demo: starting the server (${SERVER_ENTRY})`);
  // Its own process group: a terminal's Ctrl-C reaches only the demo, which stops the fleet
  // before the server. The reaper still stops the server if the demo itself is killed.
  const server = Bun.spawn([process.execPath, SERVER_ENTRY], {
    cwd: REPO_ROOT,
    env: { ...definedOnly(options.serverEnv), ...adminEnv(admin) },
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
  reapWithParent(server.pid);
  // A forced exit (second Ctrl-C) skips the clean stop; the server must not outlive the demo.
  process.on('exit', () => {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGTERM');
  });
  const serverExited = server.exited;
  let fleet: RunningFleet | undefined;
  let fleetStartedAt = Date.now();
  let stopping = false;

  const stopAll = async () => {
    stopping = true;
    if (fleet !== undefined) {
      console.log(
        `demo: fleet stopped, ${formatStats(await fleet.stop(), Date.now() - fleetStartedAt)}`,
      );
    }
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM');
      const stopped = await Promise.race([
        serverExited.then(() => true),
        Bun.sleep(SERVER_STOP_MS),
      ]);
      if (!stopped) {
        console.error(`demo: the server did not stop within ${SERVER_STOP_MS} ms; killing it`);
        server.kill('SIGKILL');
        await serverExited;
      }
    }
  };
  let requested: (() => void) | undefined;
  const stopRequested = new Promise<void>((resolveStop) => {
    requested = resolveStop;
  });
  const release = stopOnSignals(async (signal) => {
    console.log(`demo: ${signal}, stopping the fleet and the server`);
    requested?.();
  });

  try {
    const healthUrl = `${options.httpUrl}/health`;
    console.log(`demo: waiting for ${healthUrl}`);
    await Promise.race([
      waitForHealth(healthUrl, { timeoutMs: options.healthTimeoutMs, exited: serverExited }),
      stopRequested.then(() => {
        throw new Error('stopped before the server was ready');
      }),
    ]);
    const devices = fleetDeviceIds(fleetOptions.sensors, fleetOptions.drones).map(
      ({ deviceId, kind }) => ({ deviceId, model: `vigil-sim-${kind}` }),
    );
    console.log(`demo: registering ${devices.length} devices as '${admin.username}'`);
    const credentials = await provisionDevices(options.httpUrl, admin, devices);
    fleet = await startFleet({
      ...fleetOptions,
      credentials: (deviceId) => credentials.get(deviceId),
      onError: (deviceId, error) => {
        if (!stopping) console.error(`demo: ${deviceId}: ${error.message}`);
      },
    });
  } catch (error) {
    console.error(`demo: ${(error as Error).message}`);
    await stopAll();
    release();
    return 1;
  }

  printWhereToLook(options, fleet.deviceIds.length, admin);
  fleetStartedAt = Date.now();
  const running = fleet;
  const progress = setInterval(
    () => console.log(`demo: ${formatStats(running.stats(), Date.now() - fleetStartedAt)}`),
    PROGRESS_EVERY_MS,
  );
  const outcome = await Promise.race([
    stopRequested.then(() => 'requested' as const),
    serverExited.then((code) => code),
  ]);
  clearInterval(progress);
  if (outcome !== 'requested') console.error(`demo: the server exited (code ${outcome})`);
  await stopAll();
  release();
  return outcome === 'requested' ? 0 : 1;
}

function printWhereToLook(options: DemoOptions, devices: number, admin: DemoAdmin): void {
  const http = options.httpUrl;
  const password = admin.source === 'env' ? '(your ADMIN_PASSWORD)' : admin.password;
  console.log(
    [
      '',
      `demo: ${devices} simulated devices are publishing to ${options.brokerUrl}` +
        ` every ${options.intervalMs} ms (fault rate ${options.faultRate}).`,
      `  devices     ${http}/devices`,
      `  telemetry   ${http}/devices/sensor-001/telemetry`,
      `  tRPC        ${http}/trpc`,
      `  metrics     ${http}/metrics`,
      `  health      ${http}/health`,
      `  sign in     ${http}  user '${admin.username}'  password ${password}`,
      '  Ctrl-C stops the fleet and the server.',
      '',
    ].join('\n'),
  );
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}

if (import.meta.main) process.exit(await main());
