import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTask } from "../../../lib/task/index.ts";
import { makeCvDir, makePublishedRuns, makeRunDir, PUBLISHED } from "./make-runs.ts";

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), "aggregate-"));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

interface Stat {
  n: number;
  mean: number;
  std: number;
  cv_pct: number;
  se: number;
  t_ci_low: number;
  t_ci_high: number;
  t_ci_scale: string | null;
  boot_ci_low: number | null;
  boot_ci_high: number | null;
  boot_bca_low: number | null;
  boot_bca_high: number | null;
  boot_undefined: number | null;
  median: number;
  min: number;
  max: number;
}
interface Aggregate {
  task: string;
  sigma: string;
  confidence: number;
  runs: { dir: string; seed: number; fold: number | null; origin: string; metrics: Record<string, number | null> }[];
  metrics: Record<string, Stat>;
  bootstrap: { resamples: number; unit: string; seed: number; intervals: string[] };
  part: string;
  part_note: string;
  mixed: string[];
  compare?: {
    a: string;
    b: string;
    paired_on: { seed: number; fold: number | null }[];
    holm_on: string;
    nb_test_train_ratio: number | null;
    metrics: Record<string, Record<string, number | string | null>>;
  };
}

async function aggregate(params: Record<string, unknown>): Promise<Aggregate> {
  const result = await runTask("aggregate", { outdir: join(tmp, "agg"), bootstrap: 0, ...params }, { quiet: true });
  return JSON.parse(readFileSync(result.path as string, "utf8")) as Aggregate;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

describe("aggregate on REFERENCE.md's published per-seed rows", () => {
  test("--sigma population reproduces the published 0.696 ± 0.026 accuracy and 0.721 ± 0.025 κ", async () => {
    const out = await aggregate({ run: [makePublishedRuns(join(tmp, "density"))], sigma: "population" });
    expect(out.sigma).toBe("population");
    expect(out.runs.map((r) => r.seed)).toEqual([42, 43, 44]);
    expect([r3(out.metrics.accuracy!.mean), r3(out.metrics.accuracy!.std)]).toEqual([0.696, 0.026]);
    expect([r3(out.metrics.kappa_quadratic!.mean), r3(out.metrics.kappa_quadratic!.std)]).toEqual([0.721, 0.025]);
    expect(r3(out.metrics.macro_f1!.mean)).toBe(0.579);
    expect(r3(out.metrics.auc_ovr!.mean)).toBe(0.91);
    // From the rounded per-seed values σ is 0.010 (macro-F1) and 0.011 (AUC); the published 0.011 / 0.010 came from unrounded ones.
    expect([r3(out.metrics.macro_f1!.std), r3(out.metrics.auc_ovr!.std)]).toEqual([0.01, 0.011]);
  });

  test("the default sample σ gives 0.032 (accuracy) and 0.031 (κ), with a t interval and CV %", async () => {
    const out = await aggregate({ run: [makePublishedRuns(join(tmp, "density"))] });
    expect(out.sigma).toBe("sample");
    const acc = out.metrics.accuracy!;
    expect(acc.n).toBe(3);
    expect(acc.std).toBeCloseTo(Math.sqrt((0.02 ** 2 + 0.037 ** 2 + 0.017 ** 2) / 2), 12);
    expect([r3(acc.std), r3(out.metrics.kappa_quadratic!.std)]).toEqual([0.032, 0.031]);
    expect(acc.cv_pct).toBeCloseTo((acc.std / 0.696) * 100, 10);
    expect(acc.se).toBeCloseTo(acc.std / Math.sqrt(3), 12);
    // The t interval is computed on the logit scale: t(0.975, 2) = 4.302652729749464 standard
    // errors of the logits around their mean, mapped back.
    const logits = [0.676, 0.733, 0.679].map((x) => Math.log(x / (1 - x)));
    const m = logits.reduce((a, b) => a + b, 0) / 3;
    const se = Math.sqrt(logits.reduce((a, y) => a + (y - m) ** 2, 0) / 2) / Math.sqrt(3);
    const expit = (y: number) => 1 / (1 + Math.exp(-y));
    expect(acc.t_ci_scale).toBe("logit");
    expect(acc.t_ci_low).toBeCloseTo(expit(m - 4.302652729749464 * se), 12);
    expect(acc.t_ci_high).toBeCloseTo(expit(m + 4.302652729749464 * se), 12);
    expect([acc.median, acc.min, acc.max]).toEqual([0.679, 0.676, 0.733]);
    expect(acc.boot_ci_low).toBeNull();
    expect(out.bootstrap).toEqual({ resamples: 0, unit: "patient", seed: 42, intervals: [] });
  });

  test("aggregate.csv has one row per metric with the summary columns", async () => {
    await aggregate({ run: [makePublishedRuns(join(tmp, "density"))], sigma: "population" });
    const lines = readFileSync(join(tmp, "agg", "aggregate.csv"), "utf8").trim().split("\n");
    expect(lines[0]).toBe("metric,n,mean,std,cv_pct,se,t_ci_low,t_ci_high,t_ci_scale,boot_ci_low,boot_ci_high,boot_bca_low,boot_bca_high,boot_undefined,median,min,max");
    expect(lines.map((l) => l.split(",")[0])).toEqual(["metric", "accuracy", "kappa_quadratic", "macro_f1", "auc_ovr", "bal_acc", "f1_A", "f1_B", "f1_C", "f1_D"]);
    const acc = (lines[1] as string).split(",");
    expect(Number(acc[1])).toBe(3);
    expect(r3(Number(acc[2]))).toBe(0.696);
    expect(acc[8]).toBe("logit");
    expect(acc[9]).toBe(""); // no bootstrap: empty cell
  });
});

describe("aggregate refuses runs that were not made the same way", () => {
  test("a differing config key is refused, naming the key and both values", async () => {
    makeRunDir(join(tmp, "out", "results"), { seed: 42 });
    makeRunDir(join(tmp, "out", "results_1"), { seed: 43, config: { lr: 0.001 } });
    const err = await aggregate({ run: [join(tmp, "out")] }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain("config.lr: 0.0001");
    expect((err as Error).message).toContain("0.001");
    expect((err as Error).message).toContain("--allow-mixed");
  });

  test("a differing data_fingerprint or backend is refused; --allow-mixed aggregates and records the keys", async () => {
    makeRunDir(join(tmp, "out", "results"), { seed: 42 });
    makeRunDir(join(tmp, "out", "results_1"), { seed: 43, dataFingerprint: "other", backend: "wasm" });
    const err = (await aggregate({ run: [join(tmp, "out")] }).catch((e: Error) => e)) as Error;
    expect(err.message).toContain('data_fingerprint: "fingerprint-test"');
    expect(err.message).toContain('backend: "cpu"');
    const out = await aggregate({ run: [join(tmp, "out")], allowMixed: true });
    expect(out.mixed).toEqual(["backend", "data_fingerprint"]);
    expect(out.runs.length).toBe(2);
  });

  test("a summary.json without seed is refused naming the file and the field", async () => {
    const dir = makeRunDir(join(tmp, "out", "results"), { seed: 42 });
    writeFileSync(join(dir, "summary.json"), JSON.stringify({ config: {}, backend: "cpu", data_fingerprint: "x", fold: null }));
    const err = (await aggregate({ run: [dir] }).catch((e: Error) => e)) as Error;
    expect(err.message).toContain(join(dir, "summary.json"));
    expect(err.message).toContain("field seed");
  });
});

describe("aggregate --run globs and directory kinds", () => {
  test("a glob over results* finds every run; an outdir and a run dir are accepted too", async () => {
    const outdir = makePublishedRuns(join(tmp, "density"));
    const viaGlob = await aggregate({ run: [join(outdir, "results*")] });
    expect(viaGlob.runs.map((r) => r.dir)).toEqual(PUBLISHED.map((p) => join(outdir, p.run)));
    const viaDirs = await aggregate({ run: [join(outdir, "results_6"), join(outdir, "results_4"), join(outdir, "results_4")] });
    expect(viaDirs.runs.map((r) => r.seed)).toEqual([42, 44]);
  });

  test("a glob that matches nothing is refused with the pattern", async () => {
    const err = (await aggregate({ run: [join(tmp, "nothing*")] }).catch((e: Error) => e)) as Error;
    expect(err.message).toContain(`--run ${join(tmp, "nothing*")}: the pattern matches no directory`);
  });

  test("a CV directory contributes its fold runs, sorted by seed then fold", async () => {
    const cv = makeCvDir(join(tmp, "cv"), { seed: 42, folds: 3, acc: (k) => 0.6 + k / 100 });
    const out = await aggregate({ run: [cv] });
    expect(out.runs.map((r) => r.fold).sort()).toEqual([1, 2, 3]);
    const seeds = out.runs.map((r) => r.seed);
    expect(seeds).toEqual([...seeds].sort((a, b) => a - b));
    expect(out.metrics.accuracy!.mean).toBeCloseTo(0.62, 12);
  });
});

describe("aggregate --bootstrap", () => {
  test("resamples patients with the seeded stream: same seed, same interval; the interval brackets the mean", async () => {
    const outdir = join(tmp, "runs");
    for (const seed of [42, 43, 44]) makeRunDir(join(outdir, `results_${seed - 42}`), { seed, patients: 24 });
    const a = await aggregate({ run: [outdir], bootstrap: 200, seed: 7 });
    const b = await aggregate({ run: [outdir], bootstrap: 200, seed: 7 });
    const c = await aggregate({ run: [outdir], bootstrap: 200, seed: 8 });
    const acc = a.metrics.accuracy!;
    expect(acc.boot_ci_low).not.toBeNull();
    expect(acc.boot_ci_low!).toBeLessThan(acc.mean);
    expect(acc.boot_ci_high!).toBeGreaterThan(acc.mean);
    expect(b.metrics.accuracy).toEqual(acc);
    expect(c.metrics.accuracy!.boot_ci_low).not.toBe(acc.boot_ci_low);
    expect(a.bootstrap).toEqual({ resamples: 200, unit: "patient", seed: 7, intervals: ["percentile", "bca"] });
    // BCa brackets the estimate too; every class occurs in each run and resample here.
    expect(acc.boot_bca_low!).toBeLessThan(acc.mean);
    expect(acc.boot_bca_high!).toBeGreaterThan(acc.mean);
    expect(acc.boot_undefined).toBe(0);
  });

  test("a run without val_predictions.csv is refused while the bootstrap is on", async () => {
    const dir = makeRunDir(join(tmp, "out", "results"), { seed: 42, patients: 0 });
    const err = (await aggregate({ run: [dir], bootstrap: 10 }).catch((e: Error) => e)) as Error;
    expect(err.message).toContain(join(dir, "val_predictions.csv"));
    expect(err.message).toContain("--bootstrap 0");
  });
});

describe("aggregate --compare A --compare B", () => {
  test("pairs runs by seed: paired t, Wilcoxon, P(A>B) and Holm; no Nadeau–Bengio for hold-out runs", async () => {
    const accA = [0.7, 0.74, 0.71, 0.69];
    const accB = [0.68, 0.7, 0.7, 0.66];
    accA.forEach((acc, i) => makeRunDir(join(tmp, "A", `results_${i}`), { seed: 42 + i, metrics: { acc } }));
    accB.forEach((acc, i) => makeRunDir(join(tmp, "B", `results_${i}`), { seed: 42 + i, config: { lr: 0.001 }, metrics: { acc } }));
    const out = await aggregate({ compare: [join(tmp, "A"), join(tmp, "B", "results*")] });
    const cmp = out.compare!;
    expect(cmp.paired_on).toEqual([42, 43, 44, 45].map((seed) => ({ seed, fold: null })));
    expect(cmp.holm_on).toBe("t_p");
    const acc = cmp.metrics.accuracy!;
    // d = [0.02, 0.04, 0.01, 0.03]: mean 0.025, s = 0.0129099…, t = 3.8729833, df 3 → p = 0.0304
    expect(acc.mean_diff as number).toBeCloseTo(0.025, 12);
    expect(acc.t_p as number).toBeCloseTo(0.030466, 5);
    expect(acc.wilcoxon_p).toBe(0.125); // exact: 2 · (1/16)
    expect(acc.wilcoxon_method).toBe("exact");
    expect(acc.p_a_gt_b).toBe(1);
    expect(acc.nb_p).toBeNull();
    expect(acc.holm_p as number).toBeGreaterThanOrEqual(acc.t_p as number);
    // The summary without --run is of A.
    expect(out.runs.map((r) => r.dir)).toEqual(accA.map((_, i) => join(tmp, "A", `results_${i}`)));
    const csv = readFileSync(join(tmp, "agg", "aggregate_compare.csv"), "utf8").split("\n");
    expect(csv[0]).toBe("metric,n,mean_diff,diff_ci_low,diff_ci_high,t_p,wilcoxon_p,wilcoxon_method,nb_p,p_a_gt_b,holm_p");
  });

  test("unpaired seeds are refused, naming the missing seed", async () => {
    for (const seed of [42, 43, 44]) makeRunDir(join(tmp, "A", `results_${seed}`), { seed });
    for (const seed of [42, 43]) makeRunDir(join(tmp, "B", `results_${seed}`), { seed, config: { lr: 0.001 } });
    const err = (await aggregate({ compare: [join(tmp, "A"), join(tmp, "B")] }).catch((e: Error) => e)) as Error;
    expect(err.message).toContain(`${join(tmp, "B")} lacks seed 44`);
  });

  test("CV folds are paired by fold and tested with Nadeau–Bengio (n_test/n_train = 1/(k − 1))", async () => {
    const a = makeCvDir(join(tmp, "cvA"), { seed: 42, folds: 3, acc: (k) => 0.7 + k / 100 });
    const b = makeCvDir(join(tmp, "cvB"), { seed: 42, folds: 3, config: { lr: 0.001 }, acc: (k) => 0.68 + k / 100 + (k === 2 ? 0.01 : 0) });
    const out = await aggregate({ compare: [a, b] });
    const cmp = out.compare!;
    expect(cmp.paired_on.map((p) => p.fold).sort()).toEqual([1, 2, 3]);
    expect(cmp.holm_on).toBe("nb_p");
    expect(cmp.nb_test_train_ratio).toBe(0.5);
    const acc = cmp.metrics.accuracy!;
    expect(acc.nb_p as number).toBeGreaterThan(acc.t_p as number);
    expect(acc.holm_p as number).toBeGreaterThanOrEqual(acc.nb_p as number);
  });

  test("A and B on different data are refused naming data_fingerprint", async () => {
    makeRunDir(join(tmp, "A", "results"), { seed: 42 });
    makeRunDir(join(tmp, "B", "results"), { seed: 42, dataFingerprint: "another-cohort" });
    const err = (await aggregate({ compare: [join(tmp, "A"), join(tmp, "B")] }).catch((e: Error) => e)) as Error;
    expect(err.message).toContain("data_fingerprint");
    expect(err.message).toContain("another-cohort");
  });

  test("a single --compare is refused", async () => {
    const err = (await aggregate({ compare: [join(tmp, "A")] }).catch((e: Error) => e)) as Error;
    expect(err.message).toContain("--compare needs exactly two configurations");
  });
});
