import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { computeValMetrics } from "../../../lib/metrics/index.ts";
import { deriveSeed, stream } from "../../../lib/rng/index.ts";

/** What a hand-made run directory holds; everything but `seed` has a default. */
export interface FakeRun {
  seed: number;
  /** 1..k for a CV fold; default null (hold-out). */
  fold?: number | null;
  /** Merged over the default config ({arch: "small-cnn", lr: 0.0001, epochs: 2, img_size: 64}). */
  config?: Record<string, unknown>;
  backend?: string;
  dataFingerprint?: string;
  /** Values written into metrics/val_metrics.json over those computed from the predictions. */
  metrics?: Partial<Record<"acc" | "kappa_quadratic" | "macro_f1" | "auc_ovr" | "bal_acc", number | null>>;
  /** Patients in val_predictions.csv (1–2 images each); default 30. 0 writes no predictions file. */
  patients?: number;
  /** Patient ids start here, so that runs can share patients (default 0: every run has P0000…). */
  firstPatient?: number;
  /** Probability that a prediction equals the truth; default 0.7. */
  skill?: number;
  /** summary.json `seeds` (per-source root seeds); absent by default, as in runs made before sources existed. */
  seeds?: Record<"split" | "init" | "order" | "augment" | "dropout", number>;
  /** summary.json `weights_sha256`; absent by default. */
  weightsSha256?: string;
  /** Write patient_id (default) or leave it empty so the bootstrap falls back to accession. */
  patientIds?: boolean;
}

const DEFAULT_CONFIG = { arch: "small-cnn", lr: 0.0001, epochs: 2, img_size: 64 };

/**
 * Writes a run directory at `dir` like `train` does, without training: summary.json,
 * metrics/val_metrics.json (computed from the fake predictions, then overridden by `spec.metrics`)
 * and val_predictions.csv (seeded by `spec.seed` and `spec.fold`). Returns `dir`.
 */
export function makeRunDir(dir: string, spec: FakeRun): string {
  mkdirSync(join(dir, "metrics"), { recursive: true });
  const config = { ...DEFAULT_CONFIG, ...spec.config };
  const summary = {
    seed: spec.seed,
    ...config,
    config,
    backend: spec.backend ?? "cpu",
    data_fingerprint: spec.dataFingerprint ?? "fingerprint-test",
    fold: spec.fold ?? null,
    ...(spec.seeds ? { seeds: spec.seeds } : {}),
    ...(spec.weightsSha256 ? { weights_sha256: spec.weightsSha256 } : {}),
  };
  writeFileSync(join(dir, "summary.json"), JSON.stringify(summary, null, 2));

  const rng = stream(spec.seed, `fake-run/${spec.fold ?? 0}`);
  const skill = spec.skill ?? 0.7;
  const rows: string[] = ["accession,image_path,professional_label,y_true,y_pred,p_A,p_B,p_C,p_D,patient_id"];
  const yTrue: number[] = [];
  const yPred: number[] = [];
  const probs: number[][] = [];
  const patients = spec.patients ?? 30;
  for (let p = 0; p < patients; p++) {
    const id = `P${String((spec.firstPatient ?? 0) + p).padStart(4, "0")}`;
    const accession = `A${String((spec.firstPatient ?? 0) + p).padStart(6, "0")}`;
    // Every class occurs: patient p's label cycles through 0..3.
    const y = p % 4;
    for (let image = 0; image < 1 + (p % 2); image++) {
      const pred = rng.float() < skill ? y : rng.int(4);
      const row = [0, 1, 2, 3].map((c) => (c === pred ? 2 : 0) + rng.float());
      const sum = row.reduce((a, b) => a + b, 0);
      const prob = row.map((v) => v / sum);
      yTrue.push(y);
      yPred.push(pred);
      probs.push(prob);
      rows.push([accession, `${accession}/img${image}.dcm`, y + 1, y, pred, ...prob, spec.patientIds === false ? "" : id].join(","));
    }
  }
  if (patients > 0) writeFileSync(join(dir, "val_predictions.csv"), `${rows.join("\n")}\n`);
  const computed = patients > 0 ? computeValMetrics(yTrue, yPred, probs) : computeValMetrics([0, 1, 2, 3], [0, 1, 2, 3], [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]);
  writeFileSync(join(dir, "metrics", "val_metrics.json"), JSON.stringify({ ...computed, ...spec.metrics, epoch: 2 }, null, 2));
  return dir;
}

/** The three per-seed rows of REFERENCE.md's published table (hold-out, 20 % validation). */
export const PUBLISHED = [
  { seed: 42, run: "results_4", acc: 0.676, kappa_quadratic: 0.697, macro_f1: 0.584, auc_ovr: 0.913 },
  { seed: 43, run: "results_5", acc: 0.733, kappa_quadratic: 0.756, macro_f1: 0.588, auc_ovr: 0.922 },
  { seed: 44, run: "results_6", acc: 0.679, kappa_quadratic: 0.71, macro_f1: 0.564, auc_ovr: 0.896 },
] as const;

/** An outdir with the published runs as results_4..results_6; returns the outdir. */
export function makePublishedRuns(outdir: string, config?: Record<string, unknown>): string {
  for (const { seed, run, acc, kappa_quadratic, macro_f1, auc_ovr } of PUBLISHED) {
    makeRunDir(join(outdir, run), { seed, config, metrics: { acc, kappa_quadratic, macro_f1, auc_ovr } });
  }
  return outdir;
}

/**
 * A CV directory `cvDir` like the `cv` task's: fold_1..fold_k/results (fold k trained with seed
 * `deriveSeed(seed, "fold/k")`) and cv_summary.json; `acc(fold)` sets each fold's accuracy.
 */
export function makeCvDir(cvDir: string, options: { seed: number; folds: number; config?: Record<string, unknown>; acc: (fold: number) => number }): string {
  for (let k = 1; k <= options.folds; k++) {
    makeRunDir(join(cvDir, `fold_${k}`, "results"), { seed: deriveSeed(options.seed, `fold/${k}`), fold: k, config: options.config, metrics: { acc: options.acc(k) }, firstPatient: k * 1000 });
  }
  const folds = Array.from({ length: options.folds }, (_, i) => ({ fold: i + 1, outdir: join(cvDir, `fold_${i + 1}`, "results") }));
  writeFileSync(join(cvDir, "cv_summary.json"), JSON.stringify({ folds, missing_folds: [] }, null, 2));
  return cvDir;
}
