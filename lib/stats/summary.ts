import { rangeTInterval, type MetricRange, type TScale } from "./bounded.ts";
import { cvPercent, mean, median, standardError, std, type Sigma } from "./descriptive.ts";

/** Every summary the aggregate reports for one metric; null where undefined (n too small, mean 0). */
export interface Summary {
  /** Number of values (runs with the metric defined). */
  n: number;
  mean: number | null;
  /** σ as chosen by `sigma`. */
  std: number | null;
  /** σ / mean · 100. */
  cv_pct: number | null;
  /** Standard error of the mean (sample σ / √n). */
  se: number | null;
  /** t interval at `confidence`, kept inside the metric's range (see `rangeTInterval`). */
  t_ci_low: number | null;
  t_ci_high: number | null;
  /** How the t interval respects the range: logit, clipped or linear (no range); null when n < 2. */
  t_ci_scale: TScale | null;
  median: number | null;
  min: number | null;
  max: number | null;
}

/**
 * Mean, σ, CV %, SE, t interval, median, min and max of `values`. With `range`, the t interval
 * is computed on the logit scale (or clipped when a value sits on a bound), so it never leaves
 * the range; without, it is the ordinary mean ± t·SE.
 */
export function summarize(values: readonly number[], options: { sigma?: Sigma; confidence?: number; range?: MetricRange | null } = {}): Summary {
  const ci = rangeTInterval(values, options.range ?? null, options.confidence ?? 0.95);
  const finite = (x: number) => (Number.isFinite(x) ? x : null);
  const defined = values.length >= 2;
  return {
    n: values.length,
    mean: finite(mean(values)),
    std: finite(std(values, options.sigma ?? "sample")),
    cv_pct: finite(cvPercent(values, options.sigma ?? "sample")),
    se: finite(standardError(values)),
    t_ci_low: finite(ci.low),
    t_ci_high: finite(ci.high),
    t_ci_scale: defined ? ci.scale : null,
    median: finite(median(values)),
    min: values.length ? Math.min(...values) : null,
    max: values.length ? Math.max(...values) : null,
  };
}
