/**
 * bun run ml:eval — scores the held-out test split with the shipped model and prints precision,
 * recall and F1 per fault type and overall, plus the false-positive rate on fault-free traffic.
 * Writes ml/reports/report.md, pr-curve.png and score-histogram.png (regenerated on every run).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { episodeMetrics } from '../data/episodes';
import { binaryMetrics, flaggedAt, typeMetrics } from '../data/metrics';
import { scoreMessages } from '../data/score-messages';
import { generateSplit } from '../data/splits';
import { Detector } from '../detector';
import { precisionRecallPng, scoreHistogramPng } from '../report/charts';
import { renderReport } from '../report/markdown';
import { measureThroughput } from '../report/throughput';

const root = join(import.meta.dir, '..', '..');
const paths = {
  modelPath: join(root, 'models', 'detector.onnx'),
  metadataPath: join(root, 'models', 'detector.json'),
};
const reports = join(root, 'reports');

const detector = await Detector.load(paths);
const test = await scoreMessages(detector, generateSplit('test'));
await detector.close();
const cleanDetector = await Detector.load(paths);
const clean = await scoreMessages(cleanDetector, generateSplit('test_clean'));
await cleanDetector.close();

const threshold = detector.threshold;
const overall = binaryMetrics(test, (m) => m.anomaly);
const cleanRate = binaryMetrics(clean, (m) => m.anomaly).falsePositiveRate;
const perType = typeMetrics(test);
const episodes = episodeMetrics(test);
const curve = [];
for (let k = 0; k <= 100; k++) {
  const m = binaryMetrics(test, (s) => flaggedAt(s, k / 100));
  curve.push({ x: m.recall, y: m.precision });
}
const throughput = await measureThroughput(paths);

await mkdir(reports, { recursive: true });
await Bun.write(
  join(reports, 'pr-curve.png'),
  precisionRecallPng(curve, { x: overall.recall, y: overall.precision }),
);
const valid = test.filter((m) => !m.rejected);
await Bun.write(
  join(reports, 'score-histogram.png'),
  scoreHistogramPng(
    valid.filter((m) => m.label === null).map((m) => m.modelScore),
    valid.filter((m) => m.label !== null).map((m) => m.modelScore),
    threshold,
  ),
);
const report = renderReport({
  threshold,
  overall,
  cleanRate,
  perType,
  episodes,
  testRows: test.length,
  cleanRows: clean.length,
  throughput,
});
await Bun.write(join(reports, 'report.md'), report);
console.log(report);
console.log(`wrote ${join(reports, 'report.md')}, pr-curve.png, score-histogram.png`);
