import { SeededRandom } from './random';

/** One isolation tree in flat arrays (node 0 is the root); the shape the ONNX exporter writes. */
export type IsolationTree = {
  /** Feature tested at each internal node; -1 at leaves. */
  feature: number[];
  /** float32 split values: x <= threshold goes left. */
  threshold: number[];
  left: number[];
  right: number[];
  /** Path length credited at a leaf: depth + c(leaf size), as float32; 0 at internal nodes. */
  value: number[];
};

export type IsolationForest = {
  trees: IsolationTree[];
  /** Subsample size each tree was grown on. */
  sampleSize: number;
  featureCount: number;
};

export type ForestOptions = {
  seed: number;
  /** Trees in the forest (default 100). */
  trees?: number;
  /** Subsample size per tree (default 256). */
  sampleSize?: number;
  /** Feature indices the trees may split on (default all); the rest are left to other detectors. */
  features?: readonly number[];
};

const EULER_GAMMA = 0.5772156649015329;

/** Average path length of an unsuccessful BST search among n points, c(n) (Liu et al. 2008). */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}

/**
 * Grows an Isolation Forest on `rows` (row-major, `featureCount` per row, values already float32).
 * Deterministic for a given seed: subsamples without replacement, each split picks a feature
 * uniformly among those not constant at the node and a split uniformly between its min and max.
 */
export function trainIsolationForest(
  rows: Float32Array,
  featureCount: number,
  options: ForestOptions,
): IsolationForest {
  const n = rows.length / featureCount;
  if (!Number.isInteger(n) || n < 2) {
    throw new Error(`need at least 2 rows of ${featureCount} features, got ${rows.length} values`);
  }
  const treeCount = options.trees ?? 100;
  const sampleSize = Math.min(options.sampleSize ?? 256, n);
  const heightLimit = Math.ceil(Math.log2(sampleSize));
  const rng = new SeededRandom(options.seed);
  const allowed = options.features ?? Array.from({ length: featureCount }, (_, j) => j);
  const trees: IsolationTree[] = [];
  for (let t = 0; t < treeCount; t++) {
    const sample = subsample(n, sampleSize, rng);
    const tree: IsolationTree = { feature: [], threshold: [], left: [], right: [], value: [] };
    grow(tree, rows, featureCount, allowed, sample, 0, heightLimit, rng);
    trees.push(tree);
  }
  return { trees, sampleSize, featureCount };
}

/** Mean path length of one row over the forest, comparing float32 values like ONNX Runtime does. */
export function meanPathLength(forest: IsolationForest, row: Float32Array, offset = 0): number {
  let total = 0;
  for (const tree of forest.trees) {
    let node = 0;
    while ((tree.feature[node] as number) >= 0) {
      const x = row[offset + (tree.feature[node] as number)] as number;
      node =
        x <= (tree.threshold[node] as number)
          ? (tree.left[node] as number)
          : (tree.right[node] as number);
    }
    total += tree.value[node] as number;
  }
  return total / forest.trees.length;
}

/** Anomaly score in (0, 1): 2^(-E[h(x)] / c(sampleSize)); above 0.5 leans anomalous. */
export function anomalyScore(forest: IsolationForest, row: Float32Array, offset = 0): number {
  return 2 ** (-meanPathLength(forest, row, offset) / averagePathLength(forest.sampleSize));
}

function subsample(n: number, k: number, rng: SeededRandom): Int32Array {
  // Floyd's algorithm: k distinct indices without materialising all n.
  const chosen = new Set<number>();
  for (let j = n - k; j < n; j++) {
    const t = rng.int(j + 1);
    chosen.add(chosen.has(t) ? j : t);
  }
  return Int32Array.from([...chosen].sort((a, b) => a - b));
}

function grow(
  tree: IsolationTree,
  rows: Float32Array,
  f: number,
  allowed: readonly number[],
  idx: Int32Array,
  depth: number,
  heightLimit: number,
  rng: SeededRandom,
): number {
  const node = tree.feature.length;
  tree.feature.push(-1);
  tree.threshold.push(0);
  tree.left.push(-1);
  tree.right.push(-1);
  tree.value.push(0);
  const leaf = () => {
    tree.value[node] = Math.fround(depth + averagePathLength(idx.length));
    return node;
  };
  if (depth >= heightLimit || idx.length <= 1) return leaf();

  const candidates: number[] = [];
  const mins: number[] = [];
  const maxs: number[] = [];
  for (const j of allowed) {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const i of idx) {
      const x = rows[i * f + j] as number;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    if (hi > lo) {
      candidates.push(j);
      mins.push(lo);
      maxs.push(hi);
    }
  }
  if (candidates.length === 0) return leaf();
  const pick = rng.int(candidates.length);
  const feature = candidates[pick] as number;
  const lo = mins[pick] as number;
  const hi = maxs[pick] as number;
  let threshold = Math.fround(lo + rng.next() * (hi - lo));
  // Rounding to float32 may land on the max, which would send everything left.
  if (threshold >= hi) threshold = lo;

  const leftIdx: number[] = [];
  const rightIdx: number[] = [];
  for (const i of idx)
    ((rows[i * f + feature] as number) <= threshold ? leftIdx : rightIdx).push(i);
  tree.feature[node] = feature;
  tree.threshold[node] = threshold;
  tree.left[node] = grow(
    tree,
    rows,
    f,
    allowed,
    Int32Array.from(leftIdx),
    depth + 1,
    heightLimit,
    rng,
  );
  tree.right[node] = grow(
    tree,
    rows,
    f,
    allowed,
    Int32Array.from(rightIdx),
    depth + 1,
    heightLimit,
    rng,
  );
  return node;
}
