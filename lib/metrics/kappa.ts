import { NUM_CLASSES, confusionMatrix, type Labels } from "./confusion.ts";

/**
 * Cohen's kappa with quadratic weights w_ij = (i − j)² on the fixed labels 0..k−1:
 * 1 − Σ w·O / Σ w·E, with O the confusion matrix and E = outer(row sums, column sums) / n.
 * Same as sklearn `cohen_kappa_score(y_true, y_pred, weights="quadratic", labels=range(k))`.
 * Fixed labels matter: without `labels`, sklearn re-indexes the classes that occur, so with class
 * B absent the distance A↔C would count as 1 instead of 2.
 * NaN when undefined (every sample in one and the same class, true and predicted: Σ w·E = 0).
 */
export function cohenKappaQuadratic(yTrue: Labels, yPred: Labels, k = NUM_CLASSES): number {
  return kappaFromConfusion(confusionMatrix(yTrue, yPred, k));
}

export function kappaFromConfusion(cm: readonly (readonly number[])[]): number {
  const k = cm.length;
  const rowSums = cm.map((row) => row.reduce((a, b) => a + b, 0));
  const colSums = new Array<number>(k).fill(0);
  for (const row of cm) for (let j = 0; j < k; j++) colSums[j] = (colSums[j] as number) + (row[j] as number);
  const n = rowSums.reduce((a, b) => a + b, 0);
  let observed = 0;
  let expected = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const w = (i - j) * (i - j);
      observed += w * ((cm[i] as readonly number[])[j] as number);
      expected += (w * (rowSums[i] as number) * (colSums[j] as number)) / n;
    }
  }
  return expected === 0 ? Number.NaN : 1 - observed / expected;
}
