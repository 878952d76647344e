import { parseArgs } from 'node:util';
import type { FleetOptions } from './fleet';
import { SimulatorInputError } from './types';

export const CLI_USAGE = `Usage: bun apps/simulator/src/cli.ts [options]

Runs a fleet of simulated sensor nodes and drones against an MQTT broker, one connection per
device, publishing protocol v1 telemetry at QoS 1 until --duration passes or Ctrl-C.

Options:
  --url <url>            broker URL (default mqtt://127.0.0.1:1883)
  --sensors <n>          sensor nodes (default 20)
  --drones <n>           drones (default 5)
  --interval <ms>        reporting interval per device, >= 50 (default 1000; legacy node
                         devices send whole seconds, so keep it >= 1000 with --legacy)
  --faults <rate>        fraction of time each device is under an injected fault, 0 <= rate < 1
                         (default 0)
  --legacy <fraction>    fraction of devices speaking the legacy iot/node|drone/<id>/telemetry
                         shapes, 0..1 (default 0)
  --duration <s>         stop after this many seconds (default: until Ctrl-C)
  --prefix <text>        prefix of device ids, e.g. "lab1-" gives lab1-sensor-001 (default none)
  --topic-root <root>    v1 topic root (default devices)
  --username <template>  broker username per device; {id} is replaced by the device id
  --password <template>  broker password per device; {id} is replaced by the device id
  -h, --help             show this help
`;

export type CliCommand = { help: true } | { help: false; options: FleetOptions };

/** Parses the simulator's command line into fleet options; throws SimulatorInputError on bad input. */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
        sensors: { type: 'string', default: '20' },
        drones: { type: 'string', default: '5' },
        interval: { type: 'string', default: '1000' },
        faults: { type: 'string', default: '0' },
        legacy: { type: 'string', default: '0' },
        duration: { type: 'string' },
        prefix: { type: 'string', default: '' },
        'topic-root': { type: 'string' },
        username: { type: 'string' },
        password: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new SimulatorInputError((error as Error).message);
  }
  if (values.help === true) return { help: true };
  const text = (name: string) => values[name] as string | undefined;
  const duration = text('duration');
  const username = text('username');
  const password = text('password');
  if (password !== undefined && username === undefined) {
    throw new SimulatorInputError('--password needs --username');
  }
  return {
    help: false,
    options: {
      url: text('url') as string,
      sensors: integer('--sensors', text('sensors')),
      drones: integer('--drones', text('drones')),
      intervalMs: number('--interval', text('interval')),
      faultRate: number('--faults', text('faults')),
      legacyFraction: number('--legacy', text('legacy')),
      durationMs: duration === undefined ? undefined : number('--duration', duration) * 1000,
      idPrefix: text('prefix'),
      topicRoot: text('topic-root'),
      credentials:
        username === undefined
          ? undefined
          : (id) => ({
              username: username.replaceAll('{id}', id),
              password: (password ?? '').replaceAll('{id}', id),
            }),
    },
  };
}

function number(flag: string, raw: string | undefined): number {
  const value = Number(raw);
  if (raw === undefined || raw.trim() === '' || !Number.isFinite(value)) {
    throw new SimulatorInputError(`${flag} must be a number, got ${String(raw)}`);
  }
  return value;
}

function integer(flag: string, raw: string | undefined): number {
  const value = number(flag, raw);
  if (!Number.isSafeInteger(value)) {
    throw new SimulatorInputError(`${flag} must be a whole number, got ${raw}`);
  }
  return value;
}
