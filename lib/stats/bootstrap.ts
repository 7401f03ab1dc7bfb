import { TaskError } from "../errors/index.ts";
import type { Rng } from "../rng/index.ts";
import { quantileSorted } from "./descriptive.ts";

export interface BootstrapOptions {
  /** Number of resamples (≥ 1). */
  resamples: number;
  /** The stream the resampling draws from (e.g. `stream(seed, "bootstrap")`). */
  rng: Rng;
  /** Coverage of the percentile interval; default 0.95. */
  confidence?: number;
}

/** Percentile interval of one statistic. */
export interface BootstrapInterval {
  /** Quantile (1 − confidence)/2 of the resampled statistic; null when no resample defined it. */
  low: number | null;
  /** Quantile (1 + confidence)/2. */
  high: number | null;
  /** Resamples on which the statistic was defined (not null/NaN); the interval is over these. */
  valid: number;
}

/**
 * Percentile bootstrap over GROUPS: each resample draws `groups.length` groups with replacement
 * (a group, e.g. all images of one patient, is kept whole, so correlated rows never end up split
 * between "original" and "copy"), evaluates `statistic` on the drawn groups (in draw order), and
 * the interval bounds are the type-7 (numpy "linear") quantiles of the resampled values.
 * `statistic` returns several named values at once so they share each resample; a value of null
 * or NaN (undefined on that resample, e.g. an AUC with a class missing) is left out of its interval.
 */
export function bootstrapGroups<T, K extends string>(
  groups: readonly T[],
  statistic: (sample: readonly T[]) => Record<K, number | null>,
  options: BootstrapOptions,
): Record<K, BootstrapInterval> {
  const { resamples, rng } = options;
  const confidence = options.confidence ?? 0.95;
  if (!Number.isInteger(resamples) || resamples < 1) throw new TaskError("bad_bootstrap", `bootstrap resamples must be a positive integer, got ${resamples}`);
  if (groups.length === 0) throw new TaskError("bad_bootstrap", "bootstrap needs at least one group");
  const draws = new Map<K, number[]>();
  for (let r = 0; r < resamples; r++) {
    const sample = Array.from({ length: groups.length }, () => groups[rng.int(groups.length)] as T);
    const values = statistic(sample);
    for (const key of Object.keys(values) as K[]) {
      const v = values[key];
      let list = draws.get(key);
      if (!list) draws.set(key, (list = []));
      if (v !== null && !Number.isNaN(v)) list.push(v);
    }
  }
  const alpha = 1 - confidence;
  const out = {} as Record<K, BootstrapInterval>;
  for (const [key, list] of draws) {
    const sorted = Float64Array.from(list).sort();
    out[key] = list.length
      ? { low: quantileSorted(sorted, alpha / 2), high: quantileSorted(sorted, 1 - alpha / 2), valid: list.length }
      : { low: null, high: null, valid: 0 };
  }
  return out;
}
