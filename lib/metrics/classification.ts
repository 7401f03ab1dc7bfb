import { NUM_CLASSES, confusionMatrix, type Labels } from "./confusion.ts";

/** Precision, recall, F1 and support of one class (one-vs-rest counts on the confusion matrix). */
export interface ClassScores {
  /** tp / (tp + fp); 0 when the class was never predicted (sklearn zero_division = 0). */
  precision: number;
  /** tp / (tp + fn); 0 when the class is absent from y_true. */
  recall: number;
  /** 2·tp / (2·tp + fp + fn); 0 when that denominator is 0. */
  f1: number;
  /** Number of samples whose true class is this one. */
  support: number;
}

/** Scores of classes 0..k−1 from a k×k confusion matrix (rows = true, columns = predicted). */
export function scoresFromConfusion(cm: readonly (readonly number[])[]): ClassScores[] {
  const k = cm.length;
  const colSums = new Array<number>(k).fill(0);
  for (const row of cm) for (let j = 0; j < k; j++) colSums[j] = (colSums[j] as number) + (row[j] as number);
  return cm.map((row, c) => {
    const tp = row[c] as number;
    const support = row.reduce((a, b) => a + b, 0);
    const predicted = colSums[c] as number;
    const fp = predicted - tp;
    const fn = support - tp;
    return {
      precision: predicted === 0 ? 0 : tp / predicted,
      recall: support === 0 ? 0 : tp / support,
      f1: 2 * tp + fp + fn === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn),
      support,
    };
  });
}

/** Per-class precision/recall/F1/support on labels 0..k−1 (sklearn `precision_recall_fscore_support(labels=range(k), zero_division=0)`). */
export function perClassScores(yTrue: Labels, yPred: Labels, k = NUM_CLASSES): ClassScores[] {
  return scoresFromConfusion(confusionMatrix(yTrue, yPred, k));
}

/** Fraction of samples with y_pred = y_true. */
export function accuracy(yTrue: Labels, yPred: Labels, k = NUM_CLASSES): number {
  return accuracyFromConfusion(confusionMatrix(yTrue, yPred, k));
}

export function accuracyFromConfusion(cm: readonly (readonly number[])[]): number {
  let hits = 0;
  let total = 0;
  cm.forEach((row, i) => {
    hits += row[i] as number;
    for (const v of row) total += v;
  });
  return hits / total;
}

/**
 * Unweighted mean of the k per-class F1 scores, zero_division = 0. Every class 0..k−1 counts, so a
 * class absent from both y_true and y_pred adds an F1 of 0 (sklearn with `labels=range(k)`; without
 * `labels` sklearn would drop it). This keeps macro-F1 equal to the report's "macro avg" F1.
 */
export function macroF1(yTrue: Labels, yPred: Labels, k = NUM_CLASSES): number {
  const scores = perClassScores(yTrue, yPred, k);
  return scores.reduce((a, s) => a + s.f1, 0) / k;
}

/** Mean of the per-class F1 scores weighted by support (sklearn `average="weighted"`). */
export function weightedF1(yTrue: Labels, yPred: Labels, k = NUM_CLASSES): number {
  return supportWeighted(perClassScores(yTrue, yPred, k), (s) => s.f1);
}

export function supportWeighted(scores: readonly ClassScores[], pick: (s: ClassScores) => number): number {
  let sum = 0;
  let total = 0;
  for (const s of scores) {
    sum += pick(s) * s.support;
    total += s.support;
  }
  return total === 0 ? 0 : sum / total;
}

/**
 * Mean recall over the classes present in y_true (sklearn `balanced_accuracy_score`: a class
 * that is only predicted, never true, has no recall and is left out).
 */
export function balancedAccuracy(yTrue: Labels, yPred: Labels, k = NUM_CLASSES): number {
  return balancedFromScores(perClassScores(yTrue, yPred, k));
}

export function balancedFromScores(scores: readonly ClassScores[]): number {
  const present = scores.filter((s) => s.support > 0);
  return present.reduce((a, s) => a + s.recall, 0) / present.length;
}

/**
 * Balanced accuracy rescaled so that chance is 0 and perfect is 1: (bal − 1/k)/(1 − 1/k), with k
 * the number of classes of the task (4), as the reference pipeline defines `bal_acc_adj`. sklearn's
 * `adjusted=True` uses the number of classes present in y_true instead; the two agree whenever
 * every class occurs in y_true.
 */
export function adjustedBalancedAccuracy(yTrue: Labels, yPred: Labels, k = NUM_CLASSES): number {
  return adjustBalanced(balancedAccuracy(yTrue, yPred, k), k);
}

export function adjustBalanced(bal: number, k: number): number {
  const chance = 1 / k;
  return (bal - chance) / (1 - chance);
}
