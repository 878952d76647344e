import type { EpisodeMetrics } from '../data/episodes';
import type { BinaryMetrics, TypeMetrics } from '../data/metrics';
import { SPLITS } from '../data/splits';
import { FAULT_TYPES, type FaultType } from '../types';
import type { Throughput } from './throughput';

export type ReportInput = {
  threshold: number;
  overall: BinaryMetrics;
  cleanRate: number;
  perType: Record<FaultType, TypeMetrics>;
  episodes: Record<FaultType, EpisodeMetrics>;
  testRows: number;
  cleanRows: number;
  throughput: Throughput;
};

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** report.md: the test-set results ml:eval prints and writes. */
export function renderReport(r: ReportInput): string {
  const fleets = (name: 'test' | 'test_clean') =>
    SPLITS[name]
      .map(
        (f) =>
          `${f.idPrefix}* (seed ${f.seed}, ${f.sensors} sensors + ${f.drones} drones, every ${f.intervalMs} ms)`,
      )
      .join('; ');
  const lines = [
    '# Vigil anomaly detector: evaluation on the held-out test split',
    '',
    `Test split: ${r.testRows} messages from ${fleets('test')}, 5% of the time under faults.`,
    `Fault-free traffic: ${r.cleanRows} messages from ${fleets('test_clean')}.`,
    `Threshold ${r.threshold} (chosen on the validation split only).`,
    '',
    '## Overall (anomaly vs normal, per message)',
    '',
    '| precision | recall | F1 | false-positive rate (test normals) | false-positive rate (fault-free fleet) |',
    '|---|---|---|---|---|',
    `| ${pct(r.overall.precision)} | ${pct(r.overall.recall)} | ${r.overall.f1.toFixed(3)} | ${pct(r.overall.falsePositiveRate)} | ${(r.cleanRate * 100).toFixed(3)}% |`,
    '',
    '## Per fault type',
    '',
    "recall: share of the type's messages flagged (any type). typed precision / typed recall / F1: the verdict's type must match the label.",
    '',
    '| type | messages | recall | typed precision | typed recall | typed F1 |',
    '|---|---|---|---|---|---|',
    ...FAULT_TYPES.map((t) => {
      const m = r.perType[t];
      return `| ${t} | ${m.count} | ${pct(m.recall)} | ${pct(m.precision)} | ${pct(m.typedRecall)} | ${m.f1.toFixed(3)} |`;
    }),
    '',
    '## Per fault episode',
    '',
    "An episode is a device's run of messages with one label (up to 10 of its unlabelled messages may fall between two of them). detected: at least one of its messages flagged; delay: labelled messages before the first flagged one (median over detected episodes), also as a share of the episode. The per-message figures above stay the headline; this says whether a fault is noticed at all, and how late.",
    '',
    '| type | episodes | detected | median delay (messages) | median delay (share of episode) |',
    '|---|---|---|---|---|',
    ...FAULT_TYPES.map((t) => {
      const e = r.episodes[t];
      return `| ${t} | ${e.episodes} | ${e.detected} (${pct(e.episodes > 0 ? e.detected / e.episodes : 0)}) | ${e.medianDelay} | ${pct(e.medianDelayShare)} |`;
    }),
    '',
    '## Cost',
    '',
    `scoreBatch on batches of ${r.throughput.batchSize} fleet messages (decode, windows, features, one ONNX run, rules): ${r.throughput.microsPerMessage.toFixed(1)} µs/message (${Math.round(1e6 / r.throughput.microsPerMessage)} msg/s on one core); the ONNX run alone ${r.throughput.modelMicrosPerMessage.toFixed(2)} µs/message.`,
    '',
    '## Figures',
    '',
    '- `pr-curve.png`: precision (y) against recall (x) on the test split as the model threshold sweeps 0..1 with the rules always on; the red square is the shipped threshold.',
    '- `score-histogram.png`: Isolation Forest scores (x, 0..1) of normal (blue) and anomalous (red) test messages, each normalised to its own peak; the black line is the threshold.',
    '',
  ];
  return lines.join('\n');
}
