import { TaskError } from "../errors/index.ts";

/** Class indices 0..K−1, one per sample (plain array or typed array). */
export type Labels = ArrayLike<number>;

/** Class probabilities, one row of K values per sample. */
export type ProbabilityRows = ArrayLike<ArrayLike<number>>;

/** Number of density classes (BI-RADS A–D). */
export const NUM_CLASSES = 4;

/** Class names used as keys of the classification report, index k ↦ name. */
export const CLASS_NAMES = ["A", "B", "C", "D"] as const;

/**
 * Throws unless `yTrue` and `yPred` have the same, non-zero length and hold integers in 0..k−1.
 * Metrics are computed on fixed labels 0..k−1, so an out-of-range index is a bug upstream, not a new class.
 */
export function checkLabels(yTrue: Labels, yPred: Labels, k: number): void {
  if (yTrue.length !== yPred.length) {
    throw new TaskError("bad_labels", `y_true has ${yTrue.length} labels but y_pred has ${yPred.length}`);
  }
  if (yTrue.length === 0) throw new TaskError("bad_labels", "no samples: metrics need at least one (y_true, y_pred) pair");
  for (const [name, ys] of [["y_true", yTrue], ["y_pred", yPred]] as const) {
    for (let i = 0; i < ys.length; i++) {
      const y = ys[i] as number;
      if (!Number.isInteger(y) || y < 0 || y >= k) {
        throw new TaskError("bad_labels", `${name}[${i}] = ${y}: expected a class index 0..${k - 1}`);
      }
    }
  }
}

/**
 * K×K confusion matrix on labels 0..k−1: rows = true class, columns = predicted class
 * (sklearn's `confusion_matrix(y_true, y_pred, labels=range(k))`).
 */
export function confusionMatrix(yTrue: Labels, yPred: Labels, k = NUM_CLASSES): number[][] {
  checkLabels(yTrue, yPred, k);
  const cm = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const row = cm[yTrue[i] as number] as number[];
    const j = yPred[i] as number;
    row[j] = (row[j] as number) + 1;
  }
  return cm;
}
