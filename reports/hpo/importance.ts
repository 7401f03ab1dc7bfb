/**
 * Parameter importance for the HPO report: how much of the objective's variance across finished
 * trials each hyperparameter explains on its own, the first-order term of a functional ANOVA
 * (variance decomposition), estimated without a surrogate model:
 *
 * - trials are grouped by the parameter's value: categories as they are, numbers into equal-count
 *   (quantile) bins, k = clamp(round(√n), 2, 10) of them (on the log scale for log-scale params
 *   the bins are the same, since binning by rank ignores monotone transforms);
 * - the between-group share of variance is the correlation ratio η² = SS_between / SS_total;
 *   with few trials η² is biased upward even for a parameter that does nothing (about (k − 1) /
 *   (n − 1)), so the estimate is epsilon-squared, ε² = (SS_between − (k − 1)·MS_within) /
 *   SS_total, clipped at 0;
 * - importances are then normalised to sum to 1 (all 0 when nothing explains anything).
 *
 * Optuna's default (fANOVA over a random forest) also captures interactions; this estimator only
 * sees main effects, which is what the slice plots show, and needs no random numbers.
 */

/** One finished trial: its params and objective. */
export interface ImportanceTrial {
  params: Record<string, string | number | boolean>;
  value: number;
}

/** A parameter's importance: its raw ε² and its normalised share. */
export interface ParamImportance {
  param: string;
  /** ε² in [0, 1]: the share of variance this parameter alone explains. */
  epsilonSquared: number;
  /** ε² normalised over all parameters (sums to 1 unless every ε² is 0). */
  importance: number;
  /** Number of groups the trials were split into. */
  groups: number;
}

/** Groups of trial indices by the parameter's value (quantile bins for numbers). */
function groupsOf(values: readonly (string | number | boolean)[]): number[][] {
  const numeric = values.every((v) => typeof v === "number");
  if (!numeric) {
    const by = new Map<string, number[]>();
    values.forEach((v, i) => by.set(String(v), [...(by.get(String(v)) ?? []), i]));
    return [...by.values()];
  }
  const distinct = new Set(values).size;
  const k = Math.min(distinct, Math.max(2, Math.min(10, Math.round(Math.sqrt(values.length)))));
  const order = values.map((v, i) => ({ v: v as number, i })).sort((a, b) => a.v - b.v || a.i - b.i);
  const groups: number[][] = [];
  let start = 0;
  for (let g = 0; g < k; g++) {
    let end = Math.round(((g + 1) * order.length) / k);
    // Equal values stay in one bin, so a bin boundary never splits a tie.
    while (end < order.length && end > 0 && (order[end] as { v: number }).v === (order[end - 1] as { v: number }).v) end++;
    if (end > start) groups.push(order.slice(start, end).map((o) => o.i));
    start = end;
  }
  return groups;
}

/** ε² of `y` grouped by `groups` (see the module comment). */
export function epsilonSquared(y: readonly number[], groups: readonly (readonly number[])[]): number {
  const n = y.length;
  const k = groups.length;
  if (n < 3 || k < 2 || n <= k) return 0;
  const mean = y.reduce((a, b) => a + b, 0) / n;
  const ssTotal = y.reduce((a, v) => a + (v - mean) ** 2, 0);
  if (ssTotal === 0) return 0;
  let ssBetween = 0;
  for (const g of groups) {
    const m = g.reduce((a, i) => a + (y[i] as number), 0) / g.length;
    ssBetween += g.length * (m - mean) ** 2;
  }
  const msWithin = (ssTotal - ssBetween) / (n - k);
  return Math.max(0, Math.min(1, (ssBetween - (k - 1) * msWithin) / ssTotal));
}

/**
 * Importance of every parameter that varies across `trials` (finished ones, with a value),
 * most important first (ties by name).
 */
export function paramImportance(trials: readonly ImportanceTrial[]): ParamImportance[] {
  const names = [...new Set(trials.flatMap((t) => Object.keys(t.params)))].sort();
  const rows = names.flatMap((param) => {
    const present = trials.filter((t) => t.params[param] !== undefined);
    const values = present.map((t) => t.params[param] as string | number | boolean);
    if (new Set(values.map(String)).size < 2) return [];
    const groups = groupsOf(values);
    return [{ param, epsilonSquared: epsilonSquared(present.map((t) => t.value), groups), groups: groups.length }];
  });
  const total = rows.reduce((a, r) => a + r.epsilonSquared, 0);
  return rows
    .map((r) => ({ ...r, importance: total > 0 ? r.epsilonSquared / total : 0 }))
    .sort((a, b) => b.importance - a.importance || (a.param < b.param ? -1 : 1));
}
