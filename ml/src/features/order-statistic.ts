/**
 * The k-th smallest (0-based) of the first `n` numbers of `values`, using `scratch` (at least `n`
 * long) so nothing is allocated; afterwards `scratch` holds those numbers sorted (a median of an
 * even count reads its other middle value there). An insertion sort: for the 8-12 numbers the tracks keep it is
 * several times cheaper than a typed array's sort call, and it runs for every metric of every
 * reading.
 */
export function kthSmallest(
  values: Float64Array,
  n: number,
  k: number,
  scratch: Float64Array,
): number {
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    let j = i - 1;
    while (j >= 0 && (scratch[j] as number) > v) {
      scratch[j + 1] = scratch[j] as number;
      j -= 1;
    }
    scratch[j + 1] = v;
  }
  return scratch[k] as number;
}
