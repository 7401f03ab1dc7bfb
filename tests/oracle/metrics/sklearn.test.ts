import { beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import {
  accuracy,
  adjustedBalancedAccuracy,
  balancedAccuracy,
  classificationReport,
  cohenKappaQuadratic,
  computeValMetrics,
  confusionMatrix,
  macroF1,
  perClassScores,
  rocAucOvr,
  weightedF1,
} from "../../../lib/metrics/index.ts";
import { stream, type Rng } from "../../../lib/rng/index.ts";

/** One seeded prediction set: labels, predictions and probability rows (number[] or Float32Array). */
interface Case {
  name: string;
  yTrue: number[];
  yPred: number[];
  probs: (number[] | Float32Array)[];
}

interface Oracle {
  accuracy: number;
  kappa: number | null;
  macro_f1: number;
  weighted_f1: number;
  precision: number[];
  recall: number[];
  f1: number[];
  support: number[];
  bal_acc: number;
  bal_acc_adjusted: number;
  classes_in_y_true: number;
  auc: number | null;
  confusion_matrix: number[][];
  report: Record<string, unknown>;
}

const SIZES = [5, 12, 40, 150, 600];
const PRIORS = [
  [0.25, 0.25, 0.25, 0.25],
  [0.03, 0.21, 0.48, 0.28], // the reference cohort's class shares
  [0.01, 0.09, 0.8, 0.1],
];

function draw(rng: Rng, weights: readonly number[]): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let u = rng.float() * total;
  for (let c = 0; c < weights.length; c++) {
    u -= weights[c] as number;
    if (u < 0) return c;
  }
  return weights.length - 1;
}

function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let c = 1; c < row.length; c++) if ((row[c] as number) > (row[best] as number)) best = c;
  return best;
}

/**
 * 30 sets: sizes 5–600, balanced and imbalanced priors, class A absent from y_true (every 6th),
 * class C absent from y_true and y_pred (every 6th, offset 3), probabilities in tenths (many ties),
 * float32 softmax or float64 softmax; plus one set where everything is class C (kappa undefined).
 */
function makeCases(): Case[] {
  const cases: Case[] = [];
  for (let i = 0; i < 30; i++) {
    const rng = stream(2024, `metrics-oracle/${i}`);
    const n = SIZES[i % SIZES.length] as number;
    const priors = [...(PRIORS[i % PRIORS.length] as number[])];
    const absentTrue = i % 6 === 0 ? 0 : i % 6 === 3 ? 2 : -1;
    if (absentTrue >= 0) priors[absentTrue] = 0;
    const kind = i % 3 === 0 ? "tenths" : i % 3 === 1 ? "float32" : "float64";
    const yTrue: number[] = [];
    const yPred: number[] = [];
    const probs: (number[] | Float32Array)[] = [];
    for (let r = 0; r < n; r++) {
      const y = draw(rng, priors);
      let row: number[];
      if (kind === "tenths") {
        const counts = [0, 0, 0, 0];
        for (let u = 0; u < 10; u++) {
          const c = rng.float() < 0.5 ? y : rng.int(4);
          counts[c] = (counts[c] as number) + 1;
        }
        row = counts.map((c) => c / 10);
      } else {
        const logits = [0, 1, 2, 3].map((c) => rng.normal() + (c === y ? 1.5 : 0));
        const m = Math.max(...logits);
        const e = logits.map((l) => Math.exp(l - m));
        const s = e.reduce((a, b) => a + b, 0);
        row = e.map((v) => v / s);
      }
      let pred = rng.float() < 0.2 ? rng.int(4) : argmax(row);
      if (absentTrue === 2 && pred === 2) pred = 3;
      yTrue.push(y);
      yPred.push(pred);
      probs.push(kind === "float32" ? Float32Array.from(row) : row);
    }
    cases.push({ name: `set ${i} (n=${n}, ${kind}${absentTrue >= 0 ? `, class ${"ABCD"[absentTrue]} absent` : ""})`, yTrue, yPred, probs });
  }
  cases.push({ name: "all class C", yTrue: [2, 2, 2, 2, 2], yPred: [2, 2, 2, 2, 2], probs: Array.from({ length: 5 }, () => [0.1, 0.2, 0.6, 0.1]) });
  return cases;
}

const cases = makeCases();
let oracle: Oracle[] = [];

beforeAll(() => {
  const input = JSON.stringify(cases.map((c) => ({ y_true: c.yTrue, y_pred: c.yPred, probs: c.probs.map((r) => Array.from(r)) })));
  const proc = Bun.spawnSync(["/usr/bin/python3", join(import.meta.dir, "sklearn-oracle.py")], { stdin: Buffer.from(input) });
  if (proc.exitCode !== 0) {
    throw new Error(`sklearn oracle failed (apt install python3-sklearn python3-scipy python3-numpy): ${proc.stderr.toString()}`);
  }
  oracle = JSON.parse(proc.stdout.toString()) as Oracle[];
});

const TOL = 1e-9;

function forEachCase(check: (c: Case, o: Oracle) => void): void {
  expect(oracle.length).toBe(cases.length);
  cases.forEach((c, i) => {
    try {
      check(c, oracle[i] as Oracle);
    } catch (err) {
      throw new Error(`${c.name}: ${(err as Error).message}`);
    }
  });
}

function close(actual: number | null, expected: number | null): void {
  if (expected === null) expect(actual).toBeNull();
  else expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(TOL);
}

describe("lib/metrics against sklearn 1.x on 31 prediction sets", () => {
  test("the sets cover missing classes, probability ties and float32 rows", () => {
    expect(oracle.filter((o) => o.classes_in_y_true < 4).length).toBeGreaterThanOrEqual(10);
    expect(oracle.filter((o) => o.auc === null).length).toBeGreaterThanOrEqual(10);
    expect(oracle.filter((o) => o.kappa === null).length).toBe(1);
    const tied = cases.filter((c) => new Set(c.probs.map((r) => r[0])).size < c.probs.length);
    expect(tied.length).toBeGreaterThanOrEqual(10);
  });

  test("accuracy(y_true, y_pred) = accuracy_score", () => forEachCase((c, o) => close(accuracy(c.yTrue, c.yPred), o.accuracy)));

  test("cohenKappaQuadratic(y_true, y_pred) = cohen_kappa_score(weights='quadratic', labels=range(4)), NaN ⇔ nan", () =>
    forEachCase((c, o) => {
      const k = cohenKappaQuadratic(c.yTrue, c.yPred);
      close(Number.isNaN(k) ? null : k, o.kappa);
    }));

  test("macroF1 / weightedF1 = f1_score(average='macro'|'weighted', labels=range(4), zero_division=0)", () =>
    forEachCase((c, o) => {
      close(macroF1(c.yTrue, c.yPred), o.macro_f1);
      close(weightedF1(c.yTrue, c.yPred), o.weighted_f1);
    }));

  test("perClassScores(y_true, y_pred) = precision_recall_fscore_support(labels=range(4), zero_division=0)", () =>
    forEachCase((c, o) => {
      perClassScores(c.yTrue, c.yPred).forEach((s, k) => {
        close(s.precision, o.precision[k] as number);
        close(s.recall, o.recall[k] as number);
        close(s.f1, o.f1[k] as number);
        expect(s.support).toBe(o.support[k] as number);
      });
    }));

  test("balancedAccuracy = balanced_accuracy_score; adjusted = sklearn adjusted=True when all 4 classes occur", () =>
    forEachCase((c, o) => {
      close(balancedAccuracy(c.yTrue, c.yPred), o.bal_acc);
      const adj = adjustedBalancedAccuracy(c.yTrue, c.yPred);
      close(adj, (o.bal_acc - 0.25) / 0.75);
      if (o.classes_in_y_true === 4) close(adj, o.bal_acc_adjusted);
    }));

  test("rocAucOvr(y_true, probs) = roc_auc_score(multi_class='ovr', average='macro'); null ⇔ sklearn raises", () =>
    forEachCase((c, o) => close(rocAucOvr(c.yTrue, c.probs), o.auc)));

  test("confusionMatrix(y_true, y_pred) = confusion_matrix(labels=range(4))", () =>
    forEachCase((c, o) => expect(confusionMatrix(c.yTrue, c.yPred)).toEqual(o.confusion_matrix)));

  test("classificationReport(y_true, y_pred) = classification_report(output_dict=True) with keys A..D in sklearn's order", () =>
    forEachCase((c, o) => {
      const mine = classificationReport(c.yTrue, c.yPred) as unknown as Record<string, unknown>;
      const report = { ...o.report };
      // sklearn writes "micro avg" (precision = recall = F1 = accuracy) instead of "accuracy"
      // when a label is absent from y_true and y_pred; the contract always has "accuracy".
      const micro = report["micro avg"] as Record<string, number> | undefined;
      if (micro) {
        expect(micro.precision).toBe(micro.recall as number);
        report["micro avg"] = micro.precision;
      }
      expect(Object.keys(mine)).toEqual(Object.keys(report).map((k) => (k === "micro avg" ? "accuracy" : k)));
      for (const [name, value] of Object.entries(report)) {
        const key = name === "micro avg" ? "accuracy" : name;
        if (typeof value === "number") close(mine[key] as number, value);
        else {
          const entry = value as Record<string, number>;
          const got = mine[key] as Record<string, number>;
          expect(Object.keys(got)).toEqual(Object.keys(entry));
          for (const field of Object.keys(entry)) close(got[field] as number, entry[field] as number);
        }
      }
    }));

  test("computeValMetrics(y_true, y_pred, probs) agrees with sklearn field by field", () =>
    forEachCase((c, o) => {
      const m = computeValMetrics(c.yTrue, c.yPred, c.probs);
      close(m.acc, o.accuracy);
      close(m.kappa_quadratic, o.kappa);
      close(m.macro_f1, o.macro_f1);
      close(m.weighted_f1, o.weighted_f1);
      close(m.auc_ovr, o.auc);
      close(m.bal_acc, o.bal_acc);
      close(m.bal_acc_adj, (o.bal_acc - 0.25) / 0.75);
      expect(m.confusion_matrix).toEqual(o.confusion_matrix);
    }));
});
