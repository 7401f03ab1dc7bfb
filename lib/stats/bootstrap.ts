import { TaskError } from "../errors/index.ts";
import type { Rng } from "../rng/index.ts";
import { quantileSorted } from "./descriptive.ts";
import { normalCdf, normalQuantile } from "./normal.ts";

export interface BootstrapOptions {
  /** Number of resamples (≥ 1). */
  resamples: number;
  /** The stream the resampling draws from (e.g. `stream(seed, "bootstrap")`). */
  rng: Rng;
  /** Coverage of the intervals; default 0.95. */
  confidence?: number;
  /** Also compute the BCa interval (needs one jackknife evaluation per group); default true. */
  bca?: boolean;
  /** Called after each resample (progress). */
  onResample?: () => void;
}

/** Bootstrap intervals of one statistic. */
export interface BootstrapInterval {
  /** The statistic on the data as observed; null when undefined there. */
  estimate: number | null;
  /** Percentile interval: quantile (1 − confidence)/2 of the defined resamples; null when none is defined. */
  low: number | null;
  /** Quantile (1 + confidence)/2. */
  high: number | null;
  /**
   * Bias-corrected and accelerated interval (Efron & Tibshirani 1993, 14.3; scipy's
   * `bootstrap(method="BCa")`), over the defined resamples. Null when it cannot be computed:
   * the estimate or a jackknife value is undefined, or the jackknife values are all equal.
   */
  bcaLow: number | null;
  bcaHigh: number | null;
  /** Resamples on which the statistic was defined (not null/NaN); both intervals are over these. */
  valid: number;
  /** Resamples on which it was undefined (e.g. an AUC with a class missing), left out of the intervals. */
  undefinedResamples: number;
}

/**
 * Bootstrap over GROUPS: each resample draws `groups.length` groups with replacement (a group,
 * e.g. all images of one patient, is kept whole, so correlated rows never end up split between
 * "original" and "copy") and evaluates `statistic` on the drawn groups (in draw order).
 * `statistic` returns several named values at once so they share each resample; a value of null
 * or NaN (undefined on that resample) is left out of its intervals and counted.
 *
 * The percentile bounds are the type-7 (numpy "linear") quantiles of the resampled values. The
 * BCa bounds are the same quantiles at the adjusted levels
 * α₁ = Φ(z₀ + (z₀ + z_α)/(1 − a(z₀ + z_α))), α₂ likewise with z_{1−α}, where
 * z₀ = Φ⁻¹((#{θ*ᵦ < θ̂} + #{θ*ᵦ ≤ θ̂}) / 2B) is the bias correction and
 * a = Σ dᵢ³ / (6 (Σ dᵢ²)^{3/2}), dᵢ = mean(θ₍.₎) − θ₍ᵢ₎, the acceleration from the jackknife
 * that leaves out one group at a time — exactly as scipy 1.10 computes them.
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
  if (!(confidence > 0 && confidence < 1)) throw new TaskError("bad_bootstrap", `bootstrap confidence must be in (0, 1), got ${confidence}`);
  const draws = new Map<K, number[]>();
  for (let r = 0; r < resamples; r++) {
    const sample = Array.from({ length: groups.length }, () => groups[rng.int(groups.length)] as T);
    const values = statistic(sample);
    for (const key of Object.keys(values) as K[]) {
      let list = draws.get(key);
      if (!list) draws.set(key, (list = []));
      const v = values[key];
      if (v !== null && !Number.isNaN(v)) list.push(v);
    }
    options.onResample?.();
  }
  const estimate = statistic(groups);
  const jackknife = options.bca === false ? null : jackknifeValues(groups, statistic);
  const alpha = (1 - confidence) / 2;
  const out = {} as Record<K, BootstrapInterval>;
  for (const [key, list] of draws) {
    const sorted = Float64Array.from(list).sort();
    const theta = definedOrNull(estimate[key]);
    const bca = jackknife && theta !== null && sorted.length ? bcaLevels(sorted, theta, jackknife.map((j) => definedOrNull(j[key])), alpha) : null;
    out[key] = {
      estimate: theta,
      low: sorted.length ? quantileSorted(sorted, alpha) : null,
      high: sorted.length ? quantileSorted(sorted, 1 - alpha) : null,
      bcaLow: bca ? quantileSorted(sorted, bca[0]) : null,
      bcaHigh: bca ? quantileSorted(sorted, bca[1]) : null,
      valid: sorted.length,
      undefinedResamples: resamples - sorted.length,
    };
  }
  return out;
}

function definedOrNull(v: number | null | undefined): number | null {
  return v === null || v === undefined || Number.isNaN(v) ? null : v;
}

/** The statistic with each group left out in turn. */
function jackknifeValues<T, K extends string>(groups: readonly T[], statistic: (sample: readonly T[]) => Record<K, number | null>): Record<K, number | null>[] {
  return groups.map((_, i) => statistic([...groups.slice(0, i), ...groups.slice(i + 1)]));
}

/**
 * The BCa quantile levels [α₁, α₂] for sorted resampled values, the estimate θ̂ and the
 * jackknife values; null when a jackknife value is undefined or the levels are not numbers
 * (a degenerate distribution, as scipy's DegenerateDataWarning).
 */
export function bcaLevels(sorted: Float64Array, theta: number, jackknife: readonly (number | null)[], alpha: number): [number, number] | null {
  if (jackknife.some((j) => j === null) || jackknife.length < 2) return null;
  const jack = jackknife as number[];
  let below = 0;
  let atOrBelow = 0;
  for (const v of sorted) {
    if (v < theta) below++;
    if (v <= theta) atOrBelow++;
  }
  const z0 = normalQuantile((below + atOrBelow) / (2 * sorted.length));
  const dot = jack.reduce((s, v) => s + v, 0) / jack.length;
  let num = 0;
  let den = 0;
  for (const v of jack) {
    const d = dot - v;
    num += d * d * d;
    den += d * d;
  }
  const a = num / (6 * den ** 1.5);
  const zLow = normalQuantile(alpha);
  const level = (z: number) => normalCdf(z0 + (z0 + z) / (1 - a * (z0 + z)));
  const levels: [number, number] = [level(zLow), level(-zLow)];
  return levels.every((l) => Number.isFinite(l)) ? levels : null;
}
