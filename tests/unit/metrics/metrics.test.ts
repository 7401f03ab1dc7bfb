import { describe, expect, test } from "bun:test";
import {
  accuracy,
  adjustedBalancedAccuracy,
  ovrAucByWeights,
  balancedAccuracy,
  binaryAuc,
  classificationReport,
  cohenKappaQuadratic,
  computeValMetrics,
  confusionMatrix,
  macroF1,
  perClassScores,
  rocAucOvr,
  valMetricsFromConfusion,
  valMetricsSchema,
  weightedF1,
} from "../../../lib/metrics/index.ts";

describe("confusionMatrix and input checks", () => {
  test("confusionMatrix([0,1,2,3,3], [0,2,2,3,1]) counts rows = true, columns = predicted", () => {
    expect(confusionMatrix([0, 1, 2, 3, 3], [0, 2, 2, 3, 1])).toEqual([
      [1, 0, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 1, 0],
      [0, 1, 0, 1],
    ]);
  });

  test("mismatched lengths, empty input and out-of-range labels are refused with the index and value", () => {
    expect(() => accuracy([0, 1], [0])).toThrow("y_true has 2 labels but y_pred has 1");
    expect(() => accuracy([], [])).toThrow("no samples");
    expect(() => accuracy([0, 4], [0, 1])).toThrow("y_true[1] = 4: expected a class index 0..3");
    expect(() => accuracy([0, 1], [0, 1.5])).toThrow("y_pred[1] = 1.5");
  });
});

describe("accuracy, F1 and balanced accuracy by hand", () => {
  // Truth A,A,B,B; everything predicted A.
  const t = [0, 0, 1, 1];
  const p = [0, 0, 0, 0];

  test("accuracy = 2/4", () => expect(accuracy(t, p)).toBe(0.5));

  test("perClassScores: A has precision 2/4, recall 1, F1 2/3; B, C, D score 0 (zero_division = 0)", () => {
    const s = perClassScores(t, p);
    expect(s[0]).toEqual({ precision: 0.5, recall: 1, f1: 2 / 3, support: 2 });
    expect(s[1]).toEqual({ precision: 0, recall: 0, f1: 0, support: 2 });
    expect(s[3]).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
  });

  test("macroF1 averages all four classes (2/3 / 4); weightedF1 weights by support (2/3 · 2/4)", () => {
    expect(macroF1(t, p)).toBeCloseTo(1 / 6, 15);
    expect(weightedF1(t, p)).toBeCloseTo(1 / 3, 15);
  });

  test("balancedAccuracy averages recall over classes present in y_true; adjusted = (bal − 1/4)/(3/4)", () => {
    expect(balancedAccuracy(t, p)).toBe(0.5);
    expect(adjustedBalancedAccuracy(t, p)).toBeCloseTo(1 / 3, 15);
    expect(adjustedBalancedAccuracy([0, 1, 2, 3], [0, 1, 2, 3])).toBe(1);
  });
});

describe("cohenKappaQuadratic", () => {
  test("perfect agreement is 1; A↔D swapped is −1 (hand: 1 − 36/18)", () => {
    expect(cohenKappaQuadratic([0, 1, 2, 3], [0, 1, 2, 3])).toBe(1);
    expect(cohenKappaQuadratic([0, 0, 3, 3], [3, 3, 0, 0])).toBe(-1);
  });

  test("weights use the class distance on the fixed labels 0..3 even when B is absent", () => {
    // O: A→A 1, A→C 1, C→D 1, D→D 1. Row sums r = (2,0,1,1), column sums c = (1,0,1,2), n = 4.
    // Σ w·O = (0−2)² + (2−3)² = 5; Σ w·E = Σ (i−j)² r_i c_j / 4 = (8 + 36 + 4 + 2 + 9 + 1)/4 = 15.
    // Re-indexing the present classes A,C,D as 0,1,2 (sklearn without labels) would give 1 − 2/6.5.
    const k = cohenKappaQuadratic([0, 0, 2, 3], [0, 2, 3, 3]);
    expect(k).toBeCloseTo(1 - 5 / 15, 15);
    expect(k).not.toBeCloseTo(1 - 2 / 6.5, 3);
  });

  test("undefined (NaN) when every sample is the same class, true and predicted", () => {
    expect(Number.isNaN(cohenKappaQuadratic([2, 2], [2, 2]))).toBe(true);
  });
});

describe("AUC", () => {
  test("binaryAuc(scores, positives) = 0.75 on sklearn's doc example; a tied pair counts ½", () => {
    expect(binaryAuc([0.1, 0.4, 0.35, 0.8], [false, false, true, true])).toBe(0.75);
    expect(binaryAuc([0.5, 0.5], [true, false])).toBe(0.5);
    expect(binaryAuc([0.5, 0.5], [true, true])).toBeNull();
  });

  test("rocAucOvr is the mean of the four one-vs-rest AUCs, null when a class is absent from y_true", () => {
    const eye = [
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ];
    expect(rocAucOvr([0, 1, 2, 3], eye)).toBe(1);
    expect(rocAucOvr([0, 1, 2, 2], eye)).toBeNull();
    expect(rocAucOvr([0, 1, 2, 3], eye.map((r) => Float32Array.from(r)))).toBe(1);
  });

  test("ovrAucByWeights(y, probs)(w) equals rocAucOvr of the rows repeated w times, ties included", () => {
    const y = [0, 1, 2, 3, 0, 2, 1, 3];
    const probs = [
      [0.4, 0.2, 0.2, 0.2],
      [0.4, 0.2, 0.2, 0.2],
      [0.1, 0.3, 0.5, 0.1],
      [0.1, 0.1, 0.2, 0.6],
      [0.3, 0.3, 0.2, 0.2],
      [0.2, 0.2, 0.4, 0.2],
      [0.1, 0.5, 0.2, 0.2],
      [0.2, 0.2, 0.2, 0.4],
    ];
    const w = [2, 0, 1, 3, 1, 0, 2, 1];
    const repeated = w.flatMap((n, i) => Array.from({ length: n }, () => i));
    const byWeights = ovrAucByWeights(y, probs)(w);
    expect(byWeights).toBe(rocAucOvr(repeated.map((i) => y[i] as number), repeated.map((i) => probs[i] as number[])) as number);
    expect(ovrAucByWeights(y, probs)([1, 1, 0, 1, 1, 0, 1, 1])).toBeNull(); // both C rows weigh 0: class C absent
  });

  test("rocAucOvr refuses rows of the wrong width and a row count that differs from y_true", () => {
    expect(() => rocAucOvr([0, 1], [[1, 0, 0, 0]])).toThrow("1 probability rows for 2 labels");
    expect(() => rocAucOvr([0], [[1, 0, 0]])).toThrow("probability row 0 has 3 values, expected 4");
  });
});

describe("classificationReport and computeValMetrics", () => {
  const t = [0, 1, 2, 3, 2, 2];
  const p = [0, 1, 2, 2, 2, 3];
  const probs = [
    [0.7, 0.1, 0.1, 0.1],
    [0.1, 0.7, 0.1, 0.1],
    [0.1, 0.1, 0.7, 0.1],
    [0.1, 0.1, 0.5, 0.3],
    [0.1, 0.1, 0.6, 0.2],
    [0.1, 0.1, 0.3, 0.5],
  ];

  test("classificationReport has A..D, accuracy, macro avg, weighted avg in sklearn's key order", () => {
    const r = classificationReport(t, p);
    expect(Object.keys(r)).toEqual(["A", "B", "C", "D", "accuracy", "macro avg", "weighted avg"]);
    // C: tp 2, fp 1 (D→C), fn 1 (C→D).
    expect(r.C).toEqual({ precision: 2 / 3, recall: 2 / 3, "f1-score": 2 / 3, support: 3 });
    expect(r.accuracy).toBeCloseTo(4 / 6, 15);
    expect(r["macro avg"].support).toBe(6);
  });

  test("computeValMetrics(y_true, y_pred, probs) fills every field of val_metrics.json and validates with valMetricsSchema", () => {
    const m = computeValMetrics(t, p, probs);
    expect(m.acc).toBeCloseTo(4 / 6, 15);
    expect(m.macro_f1).toBeCloseTo((1 + 1 + 2 / 3 + 0) / 4, 15);
    expect(m.bal_acc_adj).toBeCloseTo((m.bal_acc - 0.25) / 0.75, 15);
    expect(m.confusion_matrix).toEqual(confusionMatrix(t, p));
    expect(m.classification_report["weighted avg"]["f1-score"]).toBeCloseTo(m.weighted_f1, 15);
    expect(valMetricsSchema.safeParse({ ...m, epoch: 3 }).success).toBe(true);
  });

  test("valMetricsFromConfusion refuses a matrix that is not 4×4 or holds no sample", () => {
    expect(() => valMetricsFromConfusion([[1]], null)).toThrow("confusion matrix must be 4×4, got [[1]]");
    expect(() => valMetricsFromConfusion([[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]], null)).toThrow("confusion matrix is empty");
  });

  test("computeValMetrics writes null for an undefined kappa and AUC", () => {
    const m = computeValMetrics([2, 2], [2, 2], [
      [0, 0, 1, 0],
      [0, 0, 1, 0],
    ]);
    expect(m.kappa_quadratic).toBeNull();
    expect(m.auc_ovr).toBeNull();
    expect(m.acc).toBe(1);
  });
});
