import { stream } from "../rng/index.ts";

/**
 * The order in which epoch `epoch` (1-based) visits the training samples, as indices into them.
 *
 * - plain: a permutation from stream "shuffle/epoch/<e>";
 * - weighted (`--sampler-weighted`): N draws with replacement, sample i drawn with probability
 *   proportional to 1 / n_class(i), from stream "sampler/epoch/<e>" (as PyTorch's
 *   WeightedRandomSampler with num_samples = N).
 *
 * Both depend only on (seed, epoch), so a resumed run sees the same order as an uninterrupted one.
 * `seed` is the root seed of the run's `order` source (`--seed-order`, else `--seed`).
 */
export function epochOrder(labels: readonly number[], epoch: number, seed: number, weighted: boolean): number[] {
  const n = labels.length;
  if (!weighted) return stream(seed, `shuffle/epoch/${epoch}`).shuffle(Array.from({ length: n }, (_, i) => i));
  const counts = new Map<number, number>();
  for (const y of labels) counts.set(y, (counts.get(y) ?? 0) + 1);
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += 1 / (counts.get(labels[i] as number) as number);
    cumulative[i] = total;
  }
  const rng = stream(seed, `sampler/epoch/${epoch}`);
  const order: number[] = [];
  for (let k = 0; k < n; k++) {
    const u = rng.float() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] as number) > u) hi = mid;
      else lo = mid + 1;
    }
    order.push(lo);
  }
  return order;
}

/** Splits `order` into batches of `batchSize` (the last one may be smaller, as drop_last=False). */
export function batches<T>(order: readonly T[], batchSize: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < order.length; i += batchSize) out.push(order.slice(i, i + batchSize));
  return out;
}
