import { describe, expect, test } from "bun:test";
import { compareSeed, DEFAULT_TOLERANCE, environmentDiff, type SeedFingerprint } from "../../../lib/repro/index.ts";

const ref: SeedFingerprint = {
  weights_sha256: "aa",
  history: [
    { train_loss: 1.2, val_loss: 1.1, val_acc: 0.5 },
    { train_loss: 0.9, val_loss: 1.0, val_acc: 0.6 },
  ],
  metrics: { acc: 0.6, kappa_quadratic: 0.55, auc_ovr: 0.8 },
  best_epoch: 2,
};
const clone = (): SeedFingerprint => JSON.parse(JSON.stringify(ref)) as SeedFingerprint;

describe("compareSeed(seed, reference, current, tolerance)", () => {
  test("the same fingerprint is identical", () => {
    expect(compareSeed("42", ref, clone(), DEFAULT_TOLERANCE).verdict).toBe("identical");
  });
  test("a difference below max(absolute, relative × ref) is within tolerance", () => {
    const now = clone();
    now.weights_sha256 = "bb";
    now.metrics.acc = 0.6 + 5e-6; // relative tolerance 1e-5 × 0.6 = 6e-6
    const v = compareSeed("42", ref, now, DEFAULT_TOLERANCE);
    expect(v.verdict).toBe("within tolerance");
    expect(v.weights_identical).toBe(false);
  });
  test("drift names the first epoch and the first metric that diverged", () => {
    const now = clone();
    (now.history[1] as Record<string, number>).val_loss = 1.05;
    (now.history[1] as Record<string, number>).val_acc = 0.58;
    now.metrics.kappa_quadratic = 0.5;
    const v = compareSeed("43", ref, now, DEFAULT_TOLERANCE);
    expect(v.verdict).toBe("drift");
    expect(v.first_divergent_epoch).toBe(2);
    expect(v.first_divergent_metric).toEqual({ name: "epoch 2 val_loss", reference: 1.0, current: 1.05 });
    expect(v.differences.map((d) => d.name)).toEqual(["epoch 2 val_loss", "epoch 2 val_acc", "kappa_quadratic"]);
  });
  test("a missing metric is a failure, never a pass", () => {
    const now = clone();
    delete now.metrics.auc_ovr;
    expect(compareSeed("44", ref, now, DEFAULT_TOLERANCE).verdict).toBe("missing");
    const nulled = clone();
    nulled.metrics.auc_ovr = null;
    expect(compareSeed("44", ref, nulled, DEFAULT_TOLERANCE).verdict).toBe("missing");
  });
  test("a missing run or a run with fewer epochs fails", () => {
    expect(compareSeed("45", ref, undefined, DEFAULT_TOLERANCE).verdict).toBe("missing");
    const short = clone();
    short.history.pop();
    expect(compareSeed("42", ref, short, DEFAULT_TOLERANCE).verdict).toBe("missing");
  });
  test("per-metric tolerance overrides the default", () => {
    const now = clone();
    now.metrics.auc_ovr = 0.81;
    expect(compareSeed("42", ref, now, { ...DEFAULT_TOLERANCE, metrics: { auc_ovr: { absolute: 0.02, relative: 0 } } }).verdict).toBe("within tolerance");
  });
});

describe("environmentDiff", () => {
  test("lists keys whose values differ", () => {
    expect(environmentDiff({ tfjs: "4.22.0", cpu: "A", bun: "1.4.5" }, { tfjs: "4.23.0", cpu: "A", os: "x" })).toEqual([
      { key: "bun", reference: "1.4.5", current: null },
      { key: "os", reference: null, current: "x" },
      { key: "tfjs", reference: "4.22.0", current: "4.23.0" },
    ]);
  });
});
