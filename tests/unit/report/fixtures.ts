/**
 * Hand-made inputs for the report: three hold-out runs with the reference pipeline's published
 * numbers (seeds 42, 43, 44 in results_4, _5, _6), their aggregate.json (population σ, as
 * published), a 3-fold CV summary and a small HPO study. Files follow the contracts exactly;
 * everything is a function of the arguments (no clock, no machine facts), so reports built from
 * them can be compared byte for byte.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { contractJsonText } from "../../../lib/artifacts/index.ts";
import { cvSummaryJson } from "../../../lib/cv/index.ts";
import { deriveSeed, stream } from "../../../lib/rng/index.ts";
import { encodePng } from "../../../lib/train/png.ts";

const CLASSES = ["A", "B", "C", "D"] as const;
const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const FINGERPRINT = "5d41402abc4b2a76b9719d911017c592b1c3f0e4a7e2d1c0b9a8f7e6d5c4b3a2";
/** The 95 % two-sided t quantile with 2 degrees of freedom (three runs). */
const T_975_DF2 = 4.302652729911275;

/** One hand-made hold-out run. */
export interface RunSpec {
  seed: number;
  /** Run directory base name (`results_4`). */
  name: string;
  accuracy: number;
  kappa_quadratic: number;
  macro_f1: number;
  auc_ovr: number;
  bal_acc: number;
  /** 4×4 validation confusion matrix, rows = true A..D. */
  confusion: number[][];
  bestEpoch: number;
  epochs: number;
}

/**
 * The published per-seed results. The confusion matrices (374 validation images, classes in the
 * archive's proportions) have exactly the published accuracy: 253/374 = 0.676, 274/374 = 0.733,
 * 254/374 = 0.679.
 */
export const PUBLISHED_RUNS: readonly RunSpec[] = [
  { seed: 42, name: "results_4", accuracy: 0.676, kappa_quadratic: 0.697, macro_f1: 0.584, auc_ovr: 0.913, bal_acc: 0.551, confusion: [[5, 5, 1, 0], [2, 55, 27, 2], [0, 22, 146, 26], [0, 1, 35, 47]], bestEpoch: 7, epochs: 10 },
  { seed: 43, name: "results_5", accuracy: 0.733, kappa_quadratic: 0.756, macro_f1: 0.588, auc_ovr: 0.922, bal_acc: 0.572, confusion: [[6, 4, 1, 0], [1, 62, 22, 1], [0, 18, 154, 22], [0, 0, 31, 52]], bestEpoch: 9, epochs: 10 },
  { seed: 44, name: "results_6", accuracy: 0.679, kappa_quadratic: 0.71, macro_f1: 0.564, auc_ovr: 0.896, bal_acc: 0.534, confusion: [[4, 6, 1, 0], [3, 57, 25, 1], [0, 25, 144, 25], [0, 2, 32, 49]], bestEpoch: 8, epochs: 10 },
];

/** The accession of seed 42's first two-class error: markup that must arrive in HTML as text. */
export const SCRIPT_ACCESSION = "<script>alert('x')</script>";

const envelope = (task: string, params: Record<string, unknown>) => ({
  schemaVersion: 1,
  task,
  createdAt: "2026-01-15T10:00:00.000Z",
  params,
  inputs: {},
  provenance: { git_commit: COMMIT, git_dirty: false, bun: "1.4.5", node: "24.3.0", tfjs: "4.22.0", platform: "linux", arch: "x64", os_release: "6.1.0", cpu: "fixture", cpu_count: 2 },
});

const writeJson = (path: string, value: unknown) => {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
};

function classReport(m: number[][]) {
  const total = m.flat().reduce((a, b) => a + b, 0);
  const perClass = CLASSES.map((c, i) => {
    const tp = (m[i] as number[])[i] as number;
    const support = (m[i] as number[]).reduce((a, b) => a + b, 0);
    const predicted = m.reduce((a, row) => a + (row[i] as number), 0);
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    return [c, { precision, recall, "f1-score": precision + recall ? (2 * precision * recall) / (precision + recall) : 0, support }] as const;
  });
  const avg = (key: "precision" | "recall" | "f1-score", weighted: boolean) =>
    perClass.reduce((a, [, r]) => a + r[key] * (weighted ? r.support / total : 1 / CLASSES.length), 0);
  const correct = m.reduce((a, row, i) => a + (row[i] as number), 0);
  return {
    ...Object.fromEntries(perClass),
    accuracy: correct / total,
    "macro avg": { precision: avg("precision", false), recall: avg("recall", false), "f1-score": avg("f1-score", false), support: total },
    "weighted avg": { precision: avg("precision", true), recall: avg("recall", true), "f1-score": avg("f1-score", true), support: total },
  };
}

/** Loss and metric curves that improve, with the published values exactly at the best epoch. */
function history(spec: RunSpec): string {
  const rng = stream(spec.seed, "fixture/history");
  const lines = ["epoch,train_loss,train_acc,val_loss,val_acc,val_auc,val_kappa,val_macro_f1,val_bal_acc,val_bal_acc_adj,lr,seconds"];
  for (let e = 1; e <= spec.epochs; e++) {
    const at = (best: number) => (e === spec.bestEpoch ? best : best - 0.22 * Math.exp(-e / 2.5) - 0.004 - 0.01 * rng.float());
    const trainLoss = 1.2 * Math.exp(-e / 3.5) + 0.25 + 0.01 * rng.float();
    const valLoss = 1.1 * Math.exp(-e / 3) + 0.45 + 0.012 * Math.max(0, e - spec.bestEpoch) + 0.01 * rng.float();
    const balAcc = at(spec.bal_acc);
    const row = [e, trainLoss, 0.5 + 0.3 * (1 - Math.exp(-e / 3)), valLoss, at(spec.accuracy), at(spec.auc_ovr), at(spec.kappa_quadratic), at(spec.macro_f1), balAcc, (balAcc - 0.25) / 0.75, 1e-4, 12.5];
    lines.push(row.map((v) => (Number.isInteger(v) ? String(v) : Number(v).toFixed(6))).join(","));
  }
  return `${lines.join("\n")}\n`;
}

/** One row per validation image, expanded from the confusion matrix. */
function predictions(spec: RunSpec): string {
  const rng = stream(spec.seed, "fixture/predictions");
  const lines = ["accession,image_path,professional_label,y_true,y_pred,p_A,p_B,p_C,p_D,patient_id"];
  let n = 0;
  let scriptPlaced = spec.seed !== 42;
  spec.confusion.forEach((row, t) =>
    row.forEach((count, p) => {
      for (let k = 0; k < count; k++) {
        n++;
        let accession = String(100000 + n * 7).padStart(6, "0");
        if (!scriptPlaced && Math.abs(t - p) === 2) {
          accession = SCRIPT_ACCESSION;
          scriptPlaced = true;
        }
        const raw = CLASSES.map((_, c) => (c === p ? 3 : c === t ? 1.5 : 0.3) + rng.float());
        const sum = raw.reduce((a, b) => a + b, 0);
        const probs = raw.map((v) => (v / sum).toFixed(4));
        const quoted = accession.includes(",") || accession.includes('"') ? `"${accession.replaceAll('"', '""')}"` : accession;
        lines.push([quoted, `archive/${n}/image.dcm`, t + 1, t, p, ...probs, `P${String(n % 97).padStart(3, "0")}`].join(","));
      }
    }),
  );
  return `${lines.join("\n")}\n`;
}

/** A small Grad-CAM-like overlay: a grey gradient with a warm blob, as an RGB PNG. */
function overlayPng(seed: number, index: number): Uint8Array {
  const size = 40;
  const rng = stream(seed, `fixture/gradcam/${index}`);
  const cx = 10 + rng.int(20);
  const cy = 10 + rng.int(20);
  const px = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const grey = 40 + Math.round((160 * (x + y)) / (2 * size));
      const heat = Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 60);
      const o = (y * size + x) * 3;
      px[o] = Math.round(grey * (1 - heat) + 255 * heat);
      px[o + 1] = Math.round(grey * (1 - heat) + 120 * heat);
      px[o + 2] = Math.round(grey * (1 - heat));
    }
  }
  return encodePng(size, size, px, 3);
}

/** Grad-CAM files of every run: five overlays, so that `--gradcam-limit 4` leaves one out. */
const GRADCAM = [
  { pred: 2, true: 2 },
  { pred: 1, true: 2 },
  { pred: 3, true: 3 },
  { pred: 0, true: 0 },
  { pred: 2, true: 3 },
];

/** Writes one run directory (summary.json, history, metrics, predictions, Grad-CAM PNGs). */
export function writeRunDir(dir: string, spec: RunSpec): string {
  mkdirSync(join(dir, "metrics"), { recursive: true });
  mkdirSync(join(dir, "gradcam"), { recursive: true });
  const config = {
    arch: "efficientnet_b0", backend: "cpu", epochs: spec.epochs, batch_size: 16, img_size: 64, lr: 1e-4, backbone_lr: 1e-5, weight_decay: 1e-4, val_frac: 0.2,
    class_weights: "auto", sampler_weighted: false, unfreeze_last_block: true, train_backbone: false, warmup_epochs: 2, train_augment: true, early_stop_patience: 0,
  };
  const valMetrics = { accuracy: spec.accuracy, kappa_quadratic: spec.kappa_quadratic, macro_f1: spec.macro_f1, weighted_f1: spec.macro_f1 + 0.08, auc_ovr: spec.auc_ovr };
  writeJson(join(dir, "summary.json"), {
    ...envelope("train", { seed: spec.seed }),
    seed: spec.seed,
    ...config,
    config,
    data_fingerprint: FINGERPRINT,
    split_hash: `split-${spec.seed}`,
    data_hashes: {},
    reproducibility: { git_commit: COMMIT, git_dirty: false, command_line: `bun run task train --csv classificacao.csv --dicom-root archive --epochs ${spec.epochs} --seed ${spec.seed}`, cwd: "/work/project", timestamp: "2026-01-15T09:00:00Z" },
    best_metric: spec.kappa_quadratic,
    best_metric_name: "kappa_quadratic",
    best_epoch: spec.bestEpoch,
    finished_at: "2026-01-15T09:30:00Z",
    weights_sha256: `${String(spec.seed).repeat(32).slice(0, 64)}`,
    fold: null,
    val_metrics: valMetrics,
  });
  writeJson(join(dir, "metrics", "val_metrics.json"), {
    acc: spec.accuracy,
    kappa_quadratic: spec.kappa_quadratic,
    macro_f1: spec.macro_f1,
    weighted_f1: valMetrics.weighted_f1,
    auc_ovr: spec.auc_ovr,
    bal_acc: spec.bal_acc,
    bal_acc_adj: (spec.bal_acc - 0.25) / 0.75,
    confusion_matrix: spec.confusion,
    classification_report: classReport(spec.confusion),
    epoch: spec.bestEpoch,
  });
  writeFileSync(join(dir, "train_history.csv"), history(spec));
  writeFileSync(join(dir, "val_predictions.csv"), predictions(spec));
  GRADCAM.forEach((g, i) => writeFileSync(join(dir, "gradcam", `gradcam_idx${String(i).padStart(4, "0")}_pred${g.pred}_true${g.true}.png`), overlayPng(spec.seed, i)));
  return dir;
}

/** mean, σ (population or sample), CV %, standard error and intervals, as aggregate.json holds them. */
function stats(values: number[], sigma: "sample" | "population") {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const ss = values.reduce((a, v) => a + (v - mean) ** 2, 0);
  const sampleSd = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
  const std = sigma === "sample" ? sampleSd : Math.sqrt(ss / n);
  const se = sampleSd / Math.sqrt(n);
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n, mean, std, cv_pct: (100 * std) / mean, se,
    t_ci_low: mean - T_975_DF2 * se, t_ci_high: mean + T_975_DF2 * se,
    boot_ci_low: mean - 1.5 * se, boot_ci_high: mean + 1.5 * se,
    median: sorted[Math.floor(n / 2)] as number, min: sorted[0] as number, max: sorted[n - 1] as number,
  };
}

/** Options of {@link writeAggregate}. */
export interface AggregateOptions {
  sigma?: "sample" | "population";
  /** Include a `compare` block (A vs B over the three seeds). */
  compare?: boolean;
}

/** The per-class F1 of a run, from its confusion matrix. */
const f1Of = (spec: RunSpec, c: (typeof CLASSES)[number]) => ((classReport(spec.confusion) as Record<string, unknown>)[c] as { "f1-score": number })["f1-score"];

/** Writes aggregate.json for `runs` (dirs and specs, in seed order). */
export function writeAggregate(path: string, runs: readonly { dir: string; spec: RunSpec }[], options: AggregateOptions = {}): string {
  const sigma = options.sigma ?? "population";
  const metricsOf = (s: RunSpec): Record<string, number> => ({
    accuracy: s.accuracy, kappa_quadratic: s.kappa_quadratic, macro_f1: s.macro_f1, auc_ovr: s.auc_ovr, bal_acc: s.bal_acc,
    f1_A: f1Of(s, "A"), f1_B: f1Of(s, "B"), f1_C: f1Of(s, "C"), f1_D: f1Of(s, "D"),
  });
  const keys = Object.keys(metricsOf(runs[0]?.spec ?? (PUBLISHED_RUNS[0] as RunSpec)));
  writeJson(path, {
    ...envelope("aggregate", { run: runs.map((r) => r.dir), outdir: join(path, ".."), sigma, confidence: 0.95 }),
    sigma,
    confidence: 0.95,
    runs: runs.map((r) => ({ dir: r.dir, seed: r.spec.seed, fold: null, metrics: metricsOf(r.spec) })),
    metrics: Object.fromEntries(keys.map((k) => [k, stats(runs.map((r) => metricsOf(r.spec)[k] as number), sigma)])),
    bootstrap: { resamples: 2000, unit: "patient", seed: 42 },
    ...(options.compare
      ? {
          compare: {
            a: "efficientnet_b0 (warm-up 2)",
            b: "lr=1e-3 & wd_0.01 #2",
            paired_on: [42, 43, 44].map((seed) => ({ seed, fold: null })),
            metrics: {
              accuracy: { mean_diff: 0.031, diff_ci_low: 0.012, diff_ci_high: 0.05, t_p: 0.018, wilcoxon_p: 0.25, nb_p: 0.041, p_a_gt_b: 0.97, holm_p: 0.054 },
              kappa_quadratic: { mean_diff: 0.044, diff_ci_low: 0.021, diff_ci_high: 0.067, t_p: 0.0004, wilcoxon_p: 0.25, nb_p: 0.009, p_a_gt_b: 0.99, holm_p: 0.0016 },
              macro_f1: { mean_diff: 0.008, diff_ci_low: -0.02, diff_ci_high: 0.036, t_p: 0.31, wilcoxon_p: 0.5, nb_p: 0.42, p_a_gt_b: 0.71, holm_p: 0.62 },
              auc_ovr: { mean_diff: -0.004, diff_ci_low: -0.015, diff_ci_high: 0.007, t_p: 0.29, wilcoxon_p: 0.75, nb_p: 0.38, p_a_gt_b: 0.3, holm_p: 0.62 },
            },
          },
        }
      : {}),
  });
  return path;
}

/** The 3-fold CV of seed 42 with the published mean ± σ (sample σ): accuracy 0.659 ± 0.024, … */
export const CV_FOLDS = [
  { fold: 1, accuracy: 0.635, kappa_quadratic: 0.646, macro_f1: 0.556, auc_ovr: 0.868, bal_acc: 0.52 },
  { fold: 2, accuracy: 0.659, kappa_quadratic: 0.666, macro_f1: 0.592, auc_ovr: 0.878, bal_acc: 0.55 },
  { fold: 3, accuracy: 0.683, kappa_quadratic: 0.686, macro_f1: 0.628, auc_ovr: 0.888, bal_acc: 0.58 },
];

/** Writes `<dir>/cv_summary.json` for {@link CV_FOLDS}. */
export function writeCvDir(dir: string): string {
  const keys = ["accuracy", "kappa_quadratic", "macro_f1", "auc_ovr", "bal_acc"] as const;
  const per = Object.fromEntries(keys.map((k) => [k, stats(CV_FOLDS.map((f) => f[k]), "sample")]));
  const pick = (field: "mean" | "std" | "min" | "max" | "t_ci_low" | "t_ci_high") => Object.fromEntries(keys.map((k) => [k, (per[k] as ReturnType<typeof stats>)[field]]));
  // Through the cv task's contract: a key it never writes, or a missing one, fails here.
  const path = join(dir, "cv_summary.json");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path,
    contractJsonText(cvSummaryJson, {
      ...envelope("cv", { csv: "classificacao.csv", cvFolds: 3, seed: 42, cvOutdir: dir }),
      k: 3,
      seed: 42,
      split: join(dir, "split", "split.json"),
      split_hash: "0".repeat(64),
      folds: CV_FOLDS.map(({ fold, ...metrics }) => ({ fold, outdir: join(dir, `fold_${fold}`, "results"), seed: deriveSeed(42, `fold/${fold}`), metrics })),
      missing_folds: [],
      failed_folds: [],
      sigma: "sample",
      evaluation: "each fold's metrics are on its validation fold, on which its best epoch was chosen (optimistic)",
      mean: pick("mean"),
      std: pick("std"),
      min: pick("min"),
      max: pick("max"),
      ci_low: pick("t_ci_low"),
      ci_high: pick("t_ci_high"),
      ci_method: "95 % t interval of the mean",
    }),
  );
  return dir;
}

/** Objectives of the fixture's HPO trials (null: trial 2 failed). */
export const HPO_OBJECTIVES = [0.61, 0.66, null, 0.64, 0.7, 0.69];

/** Writes an HPO directory with one `trial_{k}/results/optuna_trial.json` per trial. */
export function writeHpoDir(dir: string): string {
  HPO_OBJECTIVES.forEach((objective, k) => {
    writeJson(join(dir, `trial_${k}`, "results", "optuna_trial.json"), {
      trial_id: k,
      timestamp: `2026-01-16T0${k}:00:00Z`,
      objective,
      metrics: { epoch: 5, val_acc: objective, kappa_quadratic: objective, macro_f1: null, macro_recall: null, auc_ovr: null },
    });
  });
  return dir;
}

/** Paths of a whole fixture. */
export interface Fixture {
  root: string;
  runs: string[];
  aggregate: string;
  cv: string;
  hpo: string;
  assetsDir: string;
  tex: string;
}

/**
 * Writes the three published runs under `<root>/outputs/density/`, their aggregate (with a
 * comparison), the CV and HPO directories, and returns where the report should go
 * (`<root>/Article/assets`, `<root>/Article/sections/density_model.tex`).
 */
export function buildFixture(root: string, options: AggregateOptions = { compare: true }): Fixture {
  const runs = PUBLISHED_RUNS.map((spec) => ({ dir: writeRunDir(join(root, "outputs", "density", spec.name), spec), spec }));
  return {
    root,
    runs: runs.map((r) => r.dir),
    aggregate: writeAggregate(join(root, "outputs", "aggregate", "aggregate.json"), runs, options),
    cv: writeCvDir(join(root, "outputs", "density_experiments", "results_k")),
    hpo: writeHpoDir(join(root, "outputs", "hpo")),
    assetsDir: join(root, "Article", "assets"),
    tex: join(root, "Article", "sections", "density_model.tex"),
  };
}
