/** Every scenario the runner knows, by name, with its full and short sizes. */
import type { ScenarioResult } from '../report';
import { CRASH_LOOP, crashLoop } from './crash-loop';

export type Mode = 'full' | 'short';
export type RunFlags = { replicas?: string | undefined };

export type Scenario = {
  /** Run when no scenario is named. */
  inDefault: boolean;
  run(mode: Mode, flags: RunFlags): Promise<ScenarioResult[]>;
};

export const SCENARIOS: Record<string, Scenario> = {
  'crash-loop': { inDefault: true, run: async (mode) => [await crashLoop(CRASH_LOOP[mode])] },
};
