/**
 * Offered load: the ingest benchmark's load generator (bench/load-generator.ts) in its own
 * process, so publishing never shares an event loop with the scenario's fault injection. It
 * records every (device, boot, seq) the broker PUBACKed.
 */
import { join, resolve } from 'node:path';
import type { LoadResult } from '@vigil/bench/load-generator';

export type { LoadResult };

const GENERATOR = resolve(import.meta.dir, '../../bench/load-generator.ts');

export type LoadOptions = {
  mqttUrl: string;
  work: string;
  /** Device ids are `<prefix>-0 .. <prefix>-(devices-1)`. */
  prefix: string;
  devices: number;
  rate: number;
  seconds: number;
  topicRoot?: string;
};

export type RunningLoad = {
  /** Epoch ms when the generator process was spawned. */
  spawnedAt: number;
  done: Promise<LoadResult>;
};

/** Starts the generator; `done` resolves with its result once it has exited. */
export function startLoad(options: LoadOptions): RunningLoad {
  const out = join(options.work, `load-${options.prefix}-${Date.now()}.json`);
  const proc = Bun.spawn(
    [
      'bun',
      GENERATOR,
      '--url',
      options.mqttUrl,
      '--prefix',
      options.prefix,
      '--root',
      options.topicRoot ?? 'devices',
      '--devices',
      String(options.devices),
      '--rate',
      String(options.rate),
      '--duration',
      String(options.seconds),
      '--out',
      out,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const done = proc.exited.then(async (code) => {
    if (code !== 0) throw new Error(`load generator exited with ${code}`);
    return (await Bun.file(out).json()) as LoadResult;
  });
  return { spawnedAt: Date.now(), done };
}
