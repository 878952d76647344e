/**
 * bun run ml:train — trains the anomaly detector and writes ml/models/detector.onnx and
 * ml/models/detector.json. Deterministic: running it twice writes the same bytes.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_TRAIN, metadataText, trainDetector } from '../train';

const repoRoot = join(import.meta.dir, '..', '..', '..');
const modelsDir = join(repoRoot, 'ml', 'models');
const modelPath = join(modelsDir, 'detector.onnx');
const metadataPath = join(modelsDir, 'detector.json');
const started = performance.now();
const { model, metadata } = await trainDetector({
  ...DEFAULT_TRAIN,
  log: (line) => console.log(line),
});
await Bun.write(modelPath, model);
await Bun.write(metadataPath, metadataText(metadata));
formatLikeTheRepository(metadataPath);
console.log(
  `wrote ${modelPath} (${model.length} bytes, sha256 ${metadata.modelSha256.slice(0, 12)}) and detector.json in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);

/** The repository's format check covers committed JSON; let its formatter lay out the file. */
function formatLikeTheRepository(path: string): void {
  const biome = join(repoRoot, 'node_modules', '.bin', 'biome');
  if (!existsSync(biome)) {
    console.warn(`note: ${biome} not found; ${path} left unformatted`);
    return;
  }
  const result = Bun.spawnSync([biome, 'format', '--write', path], {
    cwd: repoRoot,
    stdout: 'ignore',
    stderr: 'pipe',
  });
  if (result.exitCode !== 0)
    throw new Error(`biome format ${path} failed: ${result.stderr.toString()}`);
}
