/** Every scenario the runner knows, by name, with its full and short sizes. */
import type { ScenarioResult } from '../report';
import { BROKER_RESTART, brokerRestart } from './broker-restart';
import { CHAIN_OUTAGE, chainOutage } from './chain-outage';
import { COMMAND_DELIVERY, commandDelivery } from './command-delivery';
import { CONNECTION_ABUSE, connectionAbuse } from './connection-abuse';
import { CRASH_LOOP, crashLoop } from './crash-loop';
import { DB_STALL, dbStall } from './db-stall';
import { MALFORMED_FLOOD, malformedFlood } from './malformed-flood';
import { SCALE_OUT, scaleOut } from './scale-out';

export type Mode = 'full' | 'short';
export type RunFlags = { replicas?: string | undefined };

export type Scenario = {
  /** Run when no scenario is named. */
  inDefault: boolean;
  run(mode: Mode, flags: RunFlags): Promise<ScenarioResult[]>;
};

export const SCENARIOS: Record<string, Scenario> = {
  'crash-loop': { inDefault: true, run: async (mode) => [await crashLoop(CRASH_LOOP[mode])] },
  'broker-restart': {
    inDefault: true,
    run: async (mode) => [
      await brokerRestart({ ...BROKER_RESTART[mode], signal: 'SIGTERM', shareGroup: 'vigil' }),
      await brokerRestart({ ...BROKER_RESTART[mode], signal: 'SIGTERM', shareGroup: '' }),
      await brokerRestart({ ...BROKER_RESTART[mode], signal: 'SIGKILL', shareGroup: 'vigil' }),
    ],
  },
  'chain-outage': { inDefault: true, run: async (mode) => [await chainOutage(CHAIN_OUTAGE[mode])] },
  'command-delivery': {
    inDefault: true,
    run: async (mode) => [await commandDelivery(COMMAND_DELIVERY[mode])],
  },
  'malformed-flood': {
    inDefault: true,
    run: async (mode) => [await malformedFlood(MALFORMED_FLOOD[mode])],
  },
  'connection-abuse': {
    inDefault: true,
    run: async (mode) => [await connectionAbuse(CONNECTION_ABUSE[mode])],
  },
  scale: {
    inDefault: true,
    run: async (mode, flags) => {
      const counts = flags.replicas === undefined ? [2, 3] : [Number(flags.replicas)];
      if (counts.some((n) => !Number.isInteger(n) || n < 2 || n > 8)) {
        throw new Error('--replicas must be an integer from 2 to 8');
      }
      const results: ScenarioResult[] = [];
      for (const replicas of counts) results.push(await scaleOut({ ...SCALE_OUT[mode], replicas }));
      return results;
    },
  },
  'db-stall': {
    inDefault: true,
    // The same run against Mosquitto's defaults, which must lose messages.
    run: async (mode) => [
      await dbStall(DB_STALL[mode]),
      await dbStall({ ...DB_STALL[mode], shipped: false }),
    ],
  },
};
