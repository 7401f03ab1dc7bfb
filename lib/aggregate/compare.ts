import { usageError } from "../errors/index.ts";
import { holm, nadeauBengioTest, pairedTTest, probabilityAGreater, wilcoxonSignedRank } from "../stats/index.ts";
import { METRIC_NAMES, type MetricName } from "./metrics.ts";
import type { Run } from "./read.ts";

/** What a pair of runs is matched on. `fold` is null for hold-out runs. */
export interface PairKey {
  seed: number;
  fold: number | null;
}

const keyOf = (run: Run) => `${run.seed}/${run.fold ?? "-"}`;
const describeKey = (run: Run) => (run.fold === null ? `seed ${run.seed}` : `seed ${run.seed} fold ${run.fold}`);

/**
 * Matches the runs of configuration A with those of B on (seed, fold). Refuses duplicates within
 * a side and any run without a partner, naming the seeds (and folds) that are missing.
 */
export function pairRuns(a: readonly Run[], b: readonly Run[], labels: { a: string; b: string }): [Run, Run][] {
  const index = (runs: readonly Run[], label: string) => {
    const map = new Map<string, Run>();
    for (const run of runs) {
      const other = map.get(keyOf(run));
      if (other) throw usageError("unpaired_runs", `--compare ${label}: two runs with ${describeKey(run)}: ${other.dir} and ${run.dir}`);
      map.set(keyOf(run), run);
    }
    return map;
  };
  const ia = index(a, labels.a);
  const ib = index(b, labels.b);
  const onlyA = a.filter((r) => !ib.has(keyOf(r))).map(describeKey);
  const onlyB = b.filter((r) => !ia.has(keyOf(r))).map(describeKey);
  if (onlyA.length || onlyB.length) {
    const parts = [];
    if (onlyA.length) parts.push(`${labels.b} lacks ${onlyA.join(", ")} (present in ${labels.a})`);
    if (onlyB.length) parts.push(`${labels.a} lacks ${onlyB.join(", ")} (present in ${labels.b})`);
    throw usageError("unpaired_runs", `--compare needs the same seeds/folds on both sides: ${parts.join("; ")}`);
  }
  return a.map((run) => [run, ib.get(keyOf(run)) as Run] as [Run, Run]).sort(([x], [y]) => x.seed - y.seed || (x.fold ?? 0) - (y.fold ?? 0));
}

/** A − B on one metric over the paired runs where both define it. Null where not computable. */
export interface MetricComparison {
  /** Pairs used. */
  n: number;
  mean_diff: number | null;
  /** Interval of the mean difference: Nadeau–Bengio-corrected for CV folds, plain paired t otherwise. */
  diff_ci_low: number | null;
  diff_ci_high: number | null;
  /** Paired t test, two-sided. */
  t_p: number | null;
  /** Wilcoxon signed-rank test, two-sided (scipy's default method, see `wilcoxonSignedRank`). */
  wilcoxon_p: number | null;
  wilcoxon_method: "exact" | "normal";
  /** Nadeau–Bengio corrected resampled t test; null unless every pair is a CV fold. */
  nb_p: number | null;
  /** Fraction of pairs where A > B, ties ½. */
  p_a_gt_b: number | null;
  /** Holm-adjusted p across the metrics, of `nb_p` for CV folds, else of `t_p`. */
  holm_p: number | null;
}

export interface Comparison {
  paired_on: PairKey[];
  /** Which p-value Holm adjusts (the primary test). */
  holm_on: "nb_p" | "t_p";
  /** n_test/n_train used by Nadeau–Bengio: 1/(k − 1) for k folds; null for hold-out runs. */
  nb_test_train_ratio: number | null;
  metrics: Record<MetricName, MetricComparison>;
}

const orNull = (x: number) => (Number.isFinite(x) ? x : null);

/**
 * Paired comparison of A − B on every metric. For CV folds (every pair has a fold) the primary test
 * is Nadeau–Bengio with n_test/n_train = 1/(k − 1), k the largest fold number: the folds' training
 * sets overlap, which the plain t test ignores.
 */
export function compareRuns(pairs: readonly [Run, Run][], confidence = 0.95): Comparison {
  const cv = pairs.length > 0 && pairs.every(([a]) => a.fold !== null);
  const k = cv ? Math.max(...pairs.map(([a]) => a.fold as number)) : 0;
  const ratio = cv && k >= 2 ? 1 / (k - 1) : null;
  const metrics = {} as Record<MetricName, MetricComparison>;
  for (const metric of METRIC_NAMES) {
    const both = pairs.filter(([a, b]) => a.metrics[metric] !== null && b.metrics[metric] !== null);
    const xa = both.map(([a]) => a.metrics[metric] as number);
    const xb = both.map(([, b]) => b.metrics[metric] as number);
    const t = pairedTTest(xa, xb, confidence);
    const nb = ratio === null ? null : nadeauBengioTest(xa, xb, ratio, confidence);
    const w = wilcoxonSignedRank(xa, xb);
    const ci = nb ?? t;
    metrics[metric] = {
      n: both.length,
      mean_diff: orNull(t.meanDiff),
      diff_ci_low: orNull(ci.ciLow),
      diff_ci_high: orNull(ci.ciHigh),
      t_p: orNull(t.p),
      wilcoxon_p: orNull(w.p),
      wilcoxon_method: w.method,
      nb_p: nb ? orNull(nb.p) : null,
      p_a_gt_b: orNull(probabilityAGreater(xa, xb)),
      holm_p: null,
    };
  }
  const holmOn = ratio === null ? "t_p" : "nb_p";
  const adjusted = holm(METRIC_NAMES.map((m) => metrics[m][holmOn]));
  METRIC_NAMES.forEach((m, i) => (metrics[m].holm_p = adjusted[i] ?? null));
  return {
    paired_on: pairs.map(([a]) => ({ seed: a.seed, fold: a.fold })),
    holm_on: holmOn,
    nb_test_train_ratio: ratio,
    metrics,
  };
}
