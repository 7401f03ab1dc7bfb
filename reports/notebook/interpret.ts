/**
 * One or two sentences per figure or table, generated from the numbers shown, so that the
 * notebook says what a reader should notice. Plain text (the page escapes it).
 */
import { CV_CONFIDENCE } from "../../lib/cv/index.ts";
import { CLASS_NAMES } from "../../lib/metrics/index.ts";
import { className } from "../inputs/classes.ts";
import type { Aggregate } from "../inputs/aggregate.ts";
import type { CvSummary } from "../inputs/cv.ts";
import { bestSoFar, type HpoStudy } from "../inputs/hpo.ts";
import type { HistoryRow, ValMetrics } from "../inputs/run.ts";
import { SPREAD_METRICS, TABLE_METRICS, metricName } from "../metrics.ts";
import { compareRows } from "../tables/compare-table.ts";
import { runLabel } from "../tables/metrics-table.ts";
import { fixed3 } from "../tables/model.ts";
import { meanSdText } from "../tables/precision.ts";

const pct = (v: number) => `${(100 * v).toFixed(0)} %`;

function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** Where validation loss bottomed out, which epoch was kept, and whether loss rose afterwards. */
export function interpretTrain(history: readonly HistoryRow[], bestEpoch: number | null, bestMetricName: string | null, bestMetric: number | null): string {
  const sentences: string[] = [];
  const withVal = history.filter((h) => h.val_loss !== null);
  const epochs = history.length;
  if (bestEpoch !== null) {
    sentences.push(`The model kept is from epoch ${bestEpoch} of ${epochs}${bestMetricName ? `, selected by ${bestMetricName}${bestMetric === null ? "" : ` = ${fixed3(bestMetric)}`}` : ""}.`);
  }
  if (withVal.length > 0) {
    const min = withVal.reduce((a, b) => ((b.val_loss as number) < (a.val_loss as number) ? b : a));
    const last = withVal[withVal.length - 1] as HistoryRow;
    let s = `Validation loss was lowest at epoch ${min.epoch} (${fixed3(min.val_loss)})`;
    const rise = ((last.val_loss as number) - (min.val_loss as number)) / Math.abs(min.val_loss as number);
    const first = history[0]?.train_loss ?? null;
    const lastTrain = history[history.length - 1]?.train_loss ?? null;
    if (last.epoch !== min.epoch && rise > 0.05 && first !== null && lastTrain !== null && lastTrain < first) {
      s += ` and ended ${pct(rise)} higher while training loss kept falling (${fixed3(first)} → ${fixed3(lastTrain)}), a sign of over-fitting after epoch ${min.epoch}`;
    } else if (first !== null && lastTrain !== null) {
      s += `; training loss went from ${fixed3(first)} to ${fixed3(lastTrain)}`;
    }
    sentences.push(`${s}.`);
  }
  return sentences.join(" ");
}

/** Best and worst recalled class, the most frequent confusion, and how many errors are off by one class. */
export function interpretConfusion(matrix: readonly (readonly number[])[], report: ValMetrics["classification_report"]): string {
  const recalls = CLASS_NAMES.map((c) => ({ c, r: report[c].recall, n: report[c].support })).filter((x) => x.n > 0);
  const sentences: string[] = [];
  if (recalls.length > 0) {
    const best = recalls.reduce((a, b) => (b.r > a.r ? b : a));
    const worst = recalls.reduce((a, b) => (b.r < a.r ? b : a));
    sentences.push(`Recall is highest for class ${best.c} (${fixed3(best.r)}, ${best.n} cases) and lowest for class ${worst.c} (${fixed3(worst.r)}, ${worst.n} cases).`);
  }
  let errors = 0;
  let adjacent = 0;
  let top = { count: 0, truth: 0, pred: 0 };
  matrix.forEach((row, i) =>
    row.forEach((count, j) => {
      if (i === j) return;
      errors += count;
      if (Math.abs(i - j) === 1) adjacent += count;
      if (count > top.count) top = { count, truth: i, pred: j };
    }),
  );
  if (errors === 0) sentences.push("There are no errors.");
  else {
    sentences.push(
      `The most frequent error is true ${className(top.truth)} predicted as ${className(top.pred)} (${top.count} of ${errors} errors); ${pct(adjacent / errors)} of the errors are off by one density class.`,
    );
  }
  return sentences.join(" ");
}

/** How many overlays are shown and how many of those predictions are right. */
export function interpretGradcam(shown: readonly { pred: number; true: number }[], available: number): string {
  const correct = shown.filter((g) => g.pred === g.true).length;
  return `Showing the first ${shown.length} of ${available} Grad-CAM overlays; ${correct} of these ${shown.length} predictions are correct. Warm colours mark the regions that raised the predicted class's score.`;
}

/** Which metric varies most and least across runs (by CV %), and the headline metric's interval. */
export function interpretSeeds(aggregate: Aggregate): string {
  const rows = SPREAD_METRICS.flatMap((m) => {
    const s = aggregate.metrics[m.key];
    return s && s.cv_pct !== null && s.mean !== null ? [{ m, s, cv: s.cv_pct }] : [];
  });
  const n = aggregate.runs.length;
  if (rows.length === 0) return `No metric has a defined coefficient of variation over ${n === 1 ? "a single run" : `these ${n} runs`}.`;
  const most = rows.reduce((a, b) => (b.cv > a.cv ? b : a));
  const least = rows.reduce((a, b) => (b.cv < a.cv ? b : a));
  const level = `${Math.round(100 * aggregate.confidence)} %`;
  const head = rows[0] as (typeof rows)[number];
  return (
    `Across ${n} run${n === 1 ? "" : "s"}, ${most.m.label} varies most (CV ${most.cv.toFixed(1)} %) and ${least.m.label} least (CV ${least.cv.toFixed(1)} %). ` +
    `${head.m.label} averages ${head.s.mean === null ? "–" : `${meanSdText(head.s.mean, head.s.std).mean} ± ${meanSdText(head.s.mean, head.s.std).sd}`} (σ ${aggregate.sigma}); its ${level} t-interval is [${fixed3(head.s.t_ci_low)}, ${fixed3(head.s.t_ci_high)}]` +
    (head.s.t_ci_low !== null && head.s.t_ci_high !== null ? `, ${fixed3(head.s.t_ci_high - head.s.t_ci_low)} wide.` : ".")
  );
}

/**
 * Which run leads on the most headline metrics, comparing the printed (three-decimal) values:
 * runs that print the same best value tie, and are named together as a tie.
 */
export function interpretMetricsTable(aggregate: Aggregate): string {
  const leaders: { metric: string; runs: string[] }[] = [];
  for (const m of TABLE_METRICS) {
    const values = aggregate.runs.map((r) => r.metrics[m.key]).filter((v): v is number => v !== null && v !== undefined);
    if (values.length < 2) continue;
    const best = Math.max(...values.map((v) => Number(v.toFixed(3))));
    const runs = aggregate.runs.filter((r) => {
      const v = r.metrics[m.key];
      return v !== null && v !== undefined && Number(v.toFixed(3)) === best;
    });
    leaders.push({ metric: m.label, runs: runs.map((r) => runLabel(r)) });
  }
  if (leaders.length === 0) return "With a single run there is no spread to read from this table.";
  const sentence = (l: { metric: string; runs: string[] }) =>
    l.runs.length === 1 ? `run ${l.runs[0]} has the best ${l.metric}` : `runs ${list(l.runs)} tie for the best ${l.metric}`;
  const caveat = " Seeds are draws of one configuration: this is variability, not a ranking.";
  const solo = new Set(leaders.filter((l) => l.runs.length === 1).map((l) => l.runs[0]));
  if (solo.size === 1 && leaders.every((l) => l.runs.length === 1)) return `Run ${[...solo][0]} has the best value in every column (${list(leaders.map((l) => l.metric))}).${caveat}`;
  const text = leaders.map(sentence).join("; ");
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.${caveat}`;
}

/** For which metrics the interval of the paired difference excludes 0. */
export function interpretCompare(aggregate: Aggregate, compare: NonNullable<Aggregate["compare"]>): string {
  const rows = compareRows(compare);
  const excludes = rows.filter(([, m]) => m.diff_ci_low !== null && m.diff_ci_high !== null && (m.diff_ci_low > 0 || m.diff_ci_high < 0));
  const level = `${Math.round(100 * aggregate.confidence)} %`;
  const label = (key: string) => metricName(key).label;
  if (excludes.length === 0) {
    return `For every compared metric the ${level} interval of the difference A − B includes 0: these runs do not show that ${compare.a} and ${compare.b} differ.`;
  }
  const parts = excludes.map(([key, m]) => `${label(key)} (Δ = ${fixed3(m.mean_diff)}, [${fixed3(m.diff_ci_low)}, ${fixed3(m.diff_ci_high)}], Holm p = ${m.holm_p === null ? "–" : m.holm_p < 0.001 ? "< 0.001" : fixed3(m.holm_p)})`);
  const rest = rows.filter((r) => !excludes.includes(r)).map(([key]) => label(key));
  return `The ${level} interval of A − B excludes 0 for ${list(parts)}${rest.length ? `; it includes 0 for ${list(rest)}` : ""}.`;
}

/** Range of the headline metric over folds, the metric that spreads most, and the folds that failed. */
export function interpretCv(cv: CvSummary): string {
  const sentences: string[] = [];
  const ranges = SPREAD_METRICS.flatMap((m) => {
    const vals = cv.folds.map((f) => ({ fold: f.fold, v: f.metrics[m.key] ?? null })).filter((x): x is { fold: number; v: number } => x.v !== null);
    if (vals.length === 0) return [];
    const lo = vals.reduce((a, b) => (b.v < a.v ? b : a));
    const hi = vals.reduce((a, b) => (b.v > a.v ? b : a));
    return [{ m, lo, hi, range: hi.v - lo.v }];
  });
  if (ranges.length > 0) {
    const widest = ranges.reduce((a, b) => (b.range > a.range ? b : a));
    const head = ranges[0] as (typeof ranges)[number];
    sentences.push(
      `Over ${cv.folds.length} folds, ${head.m.label} ranges from ${fixed3(head.lo.v)} (fold ${head.lo.fold}) to ${fixed3(head.hi.v)} (fold ${head.hi.fold}); the widest spread is in ${widest.m.label} (${fixed3(widest.range)} between folds ${widest.lo.fold} and ${widest.hi.fold}).`,
    );
  }
  const missing = cv.missing_folds.length;
  if (missing > 0) sentences.push(`${missing} fold${missing > 1 ? "s" : ""} did not finish, so the summary covers fewer folds than planned.`);
  return sentences.join(" ");
}

/** How wide the confidence interval over folds is, for each metric that has one. */
export function interpretCvTable(cv: CvSummary): string {
  const level = `${Math.round(100 * CV_CONFIDENCE)} %`;
  const widths = SPREAD_METRICS.flatMap((m) => {
    const lo = cv.ci_low?.[m.key];
    const hi = cv.ci_high?.[m.key];
    return lo === null || lo === undefined || hi === null || hi === undefined ? [] : [{ m, lo, hi, width: hi - lo }];
  });
  if (widths.length === 0) return `Mean and SD over ${cv.folds.length} folds, as cv_summary.json reports them (it gives no interval).`;
  const head = widths[0] as (typeof widths)[number];
  const widest = widths.reduce((a, b) => (b.width > a.width ? b : a));
  return (
    `With ${cv.folds.length} folds the ${level} interval of ${head.m.label} is [${fixed3(head.lo)}, ${fixed3(head.hi)}], ${fixed3(head.width)} wide` +
    (widest.m.key === head.m.key ? "." : `; the widest is ${widest.m.label}'s, ${fixed3(widest.width)}.`)
  );
}

/** Best trial (ties named together), failures, and whether the last trials still improved. */
export function interpretHpo(study: HpoStudy): string {
  const best = bestSoFar(study);
  const failed = study.trials.filter((t) => t.objective === null).length;
  const finalBest = best[best.length - 1] ?? null;
  const n = study.trials.length;
  if (finalBest === null) return `${n} trial${n === 1 ? "" : "s"}, none finished with an objective value.`;
  const tied = study.trials.filter((t) => t.objective === finalBest);
  const at = tied[0] as (typeof study.trials)[number];
  const since = n - 1 - study.trials.indexOf(at);
  const who = tied.length === 1 ? `came from trial ${at.trialId}` : `was reached by trials ${list(tied.map((t) => String(t.trialId)))} (a tie)`;
  return (
    `${n} trial${n === 1 ? "" : "s"}${failed ? ` (${failed} without a value: failed or pruned)` : ""}; the best objective, ${fixed3(finalBest)}, ${who}. ` +
    (since === 0 ? "The last trial was the best, so the search had not levelled off." : `The ${since} trial${since > 1 ? "s" : ""} after ${tied.length === 1 ? "it" : "the first of them"} did not improve on it.`)
  );
}

/** Which hyperparameter matters most, with ties named as ties. */
export function interpretImportance(importance: readonly { param: string; importance: number }[]): string {
  if (importance.length === 0) return "No hyperparameter varied across the finished trials.";
  const top = importance[0] as { param: string; importance: number };
  if (top.importance === 0) return "No hyperparameter explains more of the objective's variance than chance would.";
  const tied = importance.filter((r) => r.importance.toFixed(2) === top.importance.toFixed(2));
  const lead = tied.length === 1 ? `${top.param} explains the largest share (${top.importance.toFixed(2)})` : `${list(tied.map((r) => r.param))} tie for the largest share (${top.importance.toFixed(2)} each)`;
  return `${lead} of the variance the parameters explain on their own; interactions are not counted.`;
}
