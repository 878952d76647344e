/**
 * bun run ml:train — trains the anomaly detector and writes ml/models/detector.onnx and
 * ml/models/detector.json. Deterministic: running it twice writes the same bytes.
 */
import { join } from 'node:path';
import { DEFAULT_TRAIN, metadataText, trainDetector } from '../train';

const modelsDir = join(import.meta.dir, '..', '..', 'models');
const started = performance.now();
const { model, metadata } = await trainDetector({
  ...DEFAULT_TRAIN,
  log: (line) => console.log(line),
});
await Bun.write(join(modelsDir, 'detector.onnx'), model);
await Bun.write(join(modelsDir, 'detector.json'), metadataText(metadata));
console.log(
  `wrote ${join(modelsDir, 'detector.onnx')} (${model.length} bytes, sha256 ${metadata.modelSha256.slice(0, 12)}) and detector.json in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
