/**
 * bun run ml:score <file.jsonl> — scores recorded traffic offline with the shipped model.
 * Input lines: {"device": "<id>", "topic": "<topic>", "payload": <as received>, "receivedAt"?: <epoch ms>}.
 * Output (stdout), one line per non-empty input line: {"i","score","anomaly","type"}, or
 * {"i","error"} for a line that cannot be scored (also reported on stderr). Exit code 0, or 1 when
 * any line was bad, or 2 when the file or the model cannot be read.
 */
import { join } from 'node:path';
import { Detector } from '../detector';
import { scoreLines } from '../score-lines';

const file = process.argv[2];
if (file === undefined || process.argv.length > 3) {
  console.error('usage: bun run ml:score <file.jsonl>');
  process.exit(2);
}
const input = Bun.file(file);
if (!(await input.exists())) {
  console.error(`ml:score: no such file: ${file}`);
  process.exit(2);
}
const models = join(import.meta.dir, '..', '..', 'models');
let detector: Detector;
try {
  detector = await Detector.load({
    modelPath: join(models, 'detector.onnx'),
    metadataPath: join(models, 'detector.json'),
  });
} catch (error) {
  console.error(`ml:score: ${(error as Error).message}`);
  process.exit(2);
}
const lines = (await input.text()).split('\n');
const results = await scoreLines(detector, lines);
await detector.close();
let bad = 0;
const out: string[] = [];
for (const line of results) {
  if ('error' in line) {
    bad += 1;
    console.error(`ml:score: ${line.error}`);
  }
  out.push(JSON.stringify(line));
}
await Bun.write(Bun.stdout, out.length > 0 ? `${out.join('\n')}\n` : '');
process.exit(bad > 0 ? 1 : 0);
