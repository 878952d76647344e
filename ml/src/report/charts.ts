import { encodePng, Raster } from './png';

const W = 640;
const H = 480;
const MARGIN = 48;
const AXIS: [number, number, number] = [40, 40, 40];
const GRID: [number, number, number] = [225, 225, 225];

type Point = { x: number; y: number };
type Colour = [number, number, number];

/** Plot area with [0,1] x [0,1] data coordinates, grid lines every 0.1 and axes. */
function frame(): { raster: Raster; px: (p: Point) => Point } {
  const raster = new Raster(W, H);
  const px = (p: Point) => ({
    x: MARGIN + p.x * (W - 2 * MARGIN),
    y: H - MARGIN - p.y * (H - 2 * MARGIN),
  });
  for (let k = 0; k <= 10; k++) {
    const a = px({ x: k / 10, y: 0 });
    const b = px({ x: k / 10, y: 1 });
    raster.line(a.x, a.y, b.x, b.y, GRID);
    const c = px({ x: 0, y: k / 10 });
    const d = px({ x: 1, y: k / 10 });
    raster.line(c.x, c.y, d.x, d.y, GRID);
  }
  const o = px({ x: 0, y: 0 });
  raster.line(o.x, o.y, px({ x: 1, y: 0 }).x, o.y, AXIS, 2);
  raster.line(o.x, o.y, o.x, px({ x: 0, y: 1 }).y, AXIS, 2);
  return { raster, px };
}

/** Precision (y) against recall (x), both in [0, 1]; `mark` highlights the operating point. */
export function precisionRecallPng(curve: readonly Point[], mark: Point): Uint8Array {
  const { raster, px } = frame();
  const sorted = [...curve].sort((a, b) => a.x - b.x);
  for (let i = 1; i < sorted.length; i++) {
    const a = px(sorted[i - 1] as Point);
    const b = px(sorted[i] as Point);
    raster.line(a.x, a.y, b.x, b.y, [31, 119, 180], 3);
  }
  const m = px(mark);
  raster.rect(m.x - 5, m.y - 5, m.x + 5, m.y + 5, [214, 39, 40]);
  return encodePng(raster);
}

/**
 * Histogram of scores in [0, 1] for two populations, each normalised to its own peak so both are
 * visible: normal traffic in blue, anomalous in red; the threshold as a vertical black line.
 */
export function scoreHistogramPng(
  normal: readonly number[],
  anomalous: readonly number[],
  threshold: number,
  bins = 50,
): Uint8Array {
  const { raster, px } = frame();
  const draw = (scores: readonly number[], colour: Colour, inset: number) => {
    const counts = new Array<number>(bins).fill(0);
    for (const s of scores) {
      const b = Math.min(bins - 1, Math.max(0, Math.floor(s * bins)));
      counts[b] = (counts[b] as number) + 1;
    }
    const peak = Math.max(1, ...counts);
    counts.forEach((count, b) => {
      if (count === 0) return;
      const low = px({ x: b / bins, y: 0 });
      const high = px({ x: (b + 1) / bins, y: count / peak });
      raster.rect(low.x + inset, low.y - 1, high.x - inset, high.y, colour);
    });
  };
  draw(normal, [31, 119, 180], 1);
  draw(anomalous, [214, 39, 40], 4);
  const a = px({ x: threshold, y: 0 });
  const b = px({ x: threshold, y: 1 });
  raster.line(a.x, a.y, b.x, b.y, [0, 0, 0], 2);
  return encodePng(raster);
}
