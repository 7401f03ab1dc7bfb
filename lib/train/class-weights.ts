/** Number of training samples per class index 0..numClasses−1. */
export function classCounts(labels: readonly number[], numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (const y of labels) {
    if (!Number.isInteger(y) || y < 0 || y >= numClasses) throw new RangeError(`class index ${y} outside 0..${numClasses - 1}`);
    counts[y] = (counts[y] as number) + 1;
  }
  return counts;
}

/**
 * `--class-weights auto`: w_c = N / (K · n_c), N training samples, n_c of class c, K the number of
 * classes present (as sklearn's "balanced"). A class absent from training gets weight 0: it never
 * appears in the loss, and an infinite weight would poison nothing but the log.
 */
export function autoClassWeights(labels: readonly number[], numClasses: number): number[] {
  const counts = classCounts(labels, numClasses);
  const present = counts.filter((n) => n > 0).length;
  return counts.map((n) => (n > 0 ? labels.length / (present * n) : 0));
}
