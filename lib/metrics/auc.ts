import { TaskError } from "../errors/index.ts";
import { NUM_CLASSES, checkLabels, type Labels, type ProbabilityRows } from "./confusion.ts";

/** Row indices in ascending score order, and where each run of equal scores ends. */
interface TieGroups {
  order: Int32Array;
  /** Exclusive end (in `order`) of each group of tied scores, ascending. */
  ends: Int32Array;
}

function tieGroups(scores: ArrayLike<number>): TieGroups {
  const n = scores.length;
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number));
  const ends: number[] = [];
  for (let i = 1; i <= n; i++) if (i === n || scores[order[i] as number] !== scores[order[i - 1] as number]) ends.push(i);
  return { order, ends: Int32Array.from(ends) };
}

/**
 * AUC = P(score of a positive > score of a negative) + ½ P(equal), each row counted `weights[i]`
 * times: walking the tie groups upwards, a group's positives beat every negative below it and
 * tie with the negatives inside it. This is the area under sklearn's trapezoidal ROC curve.
 * Null when the (weighted) positives or negatives are none.
 */
function weightedAuc(groups: TieGroups, isPositive: (i: number) => boolean, weights: ArrayLike<number> | null): number | null {
  let negBelow = 0;
  let pairs = 0;
  let positives = 0;
  let start = 0;
  for (const end of groups.ends) {
    let pos = 0;
    let neg = 0;
    for (let j = start; j < end; j++) {
      const i = groups.order[j] as number;
      const w = weights ? (weights[i] as number) : 1;
      if (isPositive(i)) pos += w;
      else neg += w;
    }
    pairs += pos * (negBelow + neg / 2);
    positives += pos;
    negBelow += neg;
    start = end;
  }
  return positives === 0 || negBelow === 0 ? null : pairs / (positives * negBelow);
}

/**
 * Area under the ROC curve of `scores` for the positives `isPositive`; tied scores count ½ per
 * positive/negative pair, exactly as sklearn's `roc_auc_score`. Null when there are no positives
 * or no negatives (AUC undefined; sklearn raises).
 */
export function binaryAuc(scores: ArrayLike<number>, isPositive: ArrayLike<boolean>): number | null {
  return weightedAuc(tieGroups(scores), (i) => isPositive[i] === true, null);
}

/**
 * One-vs-rest macro AUC of fixed predictions under any row weighting: sorts each class's scores
 * once and returns a function of the weights (e.g. bootstrap multiplicities: weight 2 = the row
 * drawn twice), which gives exactly `rocAucOvr` of the rows repeated that many times, without
 * re-sorting per resample. `weights = null` weighs every row 1.
 */
export function ovrAucByWeights(yTrue: Labels, probs: ProbabilityRows, k = NUM_CLASSES): (weights: ArrayLike<number> | null) => number | null {
  checkLabels(yTrue, yTrue, k);
  if (probs.length !== yTrue.length) {
    throw new TaskError("bad_probabilities", `${probs.length} probability rows for ${yTrue.length} labels`);
  }
  const columns = Array.from({ length: k }, () => new Float64Array(yTrue.length));
  for (let i = 0; i < yTrue.length; i++) {
    const row = probs[i] as ArrayLike<number>;
    if (row.length !== k) throw new TaskError("bad_probabilities", `probability row ${i} has ${row.length} values, expected ${k}`);
    for (let c = 0; c < k; c++) {
      const p = row[c] as number;
      if (Number.isNaN(p)) throw new TaskError("bad_probabilities", `probability row ${i} class ${c} is NaN`);
      (columns[c] as Float64Array)[i] = p;
    }
  }
  const groups = columns.map(tieGroups);
  return (weights) => {
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const auc = weightedAuc(groups[c] as TieGroups, (i) => yTrue[i] === c, weights);
      if (auc === null) return null;
      sum += auc;
    }
    return sum / k;
  };
}

/**
 * One-vs-rest ROC AUC, unweighted mean over the classes 0..k−1 (sklearn
 * `roc_auc_score(y_true, probs, multi_class="ovr", average="macro", labels=range(k))`).
 * Null when any class is absent from y_true, where sklearn raises: the per-class AUC of that
 * class is undefined and averaging the others would silently change what the number means.
 * Rows need not sum to 1 (only column c is used for class c); NaN scores are refused.
 */
export function rocAucOvr(yTrue: Labels, probs: ProbabilityRows, k = NUM_CLASSES): number | null {
  return ovrAucByWeights(yTrue, probs, k)(null);
}
