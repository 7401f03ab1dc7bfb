import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { readJson } from "../../lib/artifacts/index.ts";
import { usageError } from "../../lib/errors/index.ts";
// The CSV reader alone: the dataset index would also load the DICOM codecs the report never needs.
import { readCsv } from "../../lib/dataset/csv.ts";
import { CLASS_NAMES } from "../../lib/metrics/index.ts";
import { readAnyValMetrics, type AnyValMetrics } from "../../lib/aggregate/reference.ts";
import { summarySchema } from "../../lib/train/summary.ts";

const written = summarySchema.shape;
const orNull = <T extends z.ZodType>(field: T) => field.nullable().optional();

/**
 * The part of a run's `summary.json` the report reads (the train task's schema). The envelope
 * (task "train") and every key but `seed` may be absent or null, so run directories of the
 * reference pipeline render too.
 */
const summaryPart = z.object({
  seed: written.seed,
  fold: orNull(written.fold),
  backend: written.backend.optional(),
  data_fingerprint: written.data_fingerprint.optional(),
  split_hash: written.split_hash.optional(),
  best_metric: written.best_metric.optional(),
  best_metric_name: written.best_metric_name.optional(),
  best_epoch: written.best_epoch.optional(),
  finished_at: orNull(written.finished_at),
  weights_sha256: orNull(written.weights_sha256),
  config: written.config.optional(),
  reproducibility: written.reproducibility.partial().optional(),
});
export type RunSummary = z.infer<typeof summaryPart>;

/**
 * `metrics/val_metrics.json` (best epoch), validated by the metrics library's schema; a
 * reference-pipeline file (no `epoch`, no `weighted_f1`, its last epoch) is brought to the same
 * shape by `readAnyValMetrics`.
 */
export type ValMetrics = AnyValMetrics;

/** One row of `train_history.csv`; a blank or non-numeric cell is null. */
export interface HistoryRow {
  epoch: number;
  train_loss: number | null;
  train_acc: number | null;
  val_loss: number | null;
  val_acc: number | null;
  val_auc: number | null;
  val_kappa: number | null;
  val_macro_f1: number | null;
  val_bal_acc: number | null;
}
const HISTORY_COLUMNS = ["train_loss", "train_acc", "val_loss", "val_acc", "val_auc", "val_kappa", "val_macro_f1", "val_bal_acc"] as const;

/** One row of `val_predictions.csv` (class indices 0..3). */
export interface PredictionRow {
  accession: string;
  imagePath: string;
  yTrue: number;
  yPred: number;
  /** Probabilities of A..D. */
  probs: [number, number, number, number];
  patientId: string;
}

/** A Grad-CAM overlay file `gradcam_idx{i}_pred{p}_true{t}.png` (p, t class indices 0..3). */
export interface GradcamImage {
  file: string;
  index: number;
  pred: number;
  true: number;
  /**
   * The map itself at the network's resolution (row-major, normalised to [0, 1]), from the
   * sidecar `gradcam_idx….json` when the run wrote one; null for runs that only have overlays.
   */
  heatmap: { width: number; height: number; values: number[] } | null;
  /** The network's input image (grey PNG) the map belongs to, named in the sidecar. */
  inputFile: string | null;
}

/** `gradcam_idx{i}_pred{p}_true{t}.json`, written by training beside each overlay. */
const gradcamSidecarSchema = z.looseObject({
  heatmap: z.object({ width: z.number().int().positive(), height: z.number().int().positive(), values: z.array(z.number()) }),
  input_png: z.string(),
});

/** Everything the report reads from one run directory; pieces that are absent are null. */
export interface RunData {
  dir: string;
  seed: number;
  fold: number | null;
  summary: RunSummary;
  history: HistoryRow[] | null;
  valMetrics: ValMetrics | null;
  predictions: PredictionRow[] | null;
  /** Sorted by index (then file name). */
  gradcam: GradcamImage[];
}

/**
 * Reads a run directory. `summary.json` is required (it holds the seed); a missing history,
 * metrics file or predictions file leaves that piece null (its figure is then skipped), but a
 * present file that does not parse is an error naming the file.
 */
export function readRun(dir: string): RunData {
  if (!existsSync(dir)) throw usageError("missing_run", `run directory not found: ${dir}`);
  const summary = readJson(join(dir, "summary.json"), summaryPart, "run summary");
  const metricsPath = join(dir, "metrics", "val_metrics.json");
  const history = existsSync(join(dir, "train_history.csv")) ? readHistory(join(dir, "train_history.csv")) : null;
  return {
    dir,
    seed: summary.seed,
    fold: summary.fold ?? null,
    summary,
    history,
    valMetrics: existsSync(metricsPath) ? readAnyValMetrics(metricsPath, history?.at(-1)?.epoch ?? null) : null,
    predictions: existsSync(join(dir, "val_predictions.csv")) ? readPredictions(join(dir, "val_predictions.csv")) : null,
    gradcam: listGradcam(join(dir, "gradcam")),
  };
}

function cell(value: string | undefined): number | null {
  if (value === undefined || value === "") return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

function readHistory(path: string): HistoryRow[] {
  const table = readCsv(path);
  for (const required of ["epoch", "train_loss", "val_loss"]) {
    if (!table.columns.includes(required)) throw usageError("bad_csv", `${path}: no column "${required}" (columns: ${table.columns.join(", ")})`);
  }
  return table.rows.map((row) => {
    const epoch = cell(row.values.epoch);
    if (epoch === null) throw usageError("bad_csv", `${path} row ${row.line}: epoch is not a number: ${JSON.stringify(row.values.epoch)}`);
    const out: HistoryRow = { epoch, train_loss: null, train_acc: null, val_loss: null, val_acc: null, val_auc: null, val_kappa: null, val_macro_f1: null, val_bal_acc: null };
    for (const c of HISTORY_COLUMNS) out[c] = cell(row.values[c]);
    return out;
  });
}

function readPredictions(path: string): PredictionRow[] {
  const table = readCsv(path);
  for (const required of ["accession", "y_true", "y_pred", "p_A", "p_B", "p_C", "p_D"]) {
    if (!table.columns.includes(required)) throw usageError("bad_csv", `${path}: no column "${required}" (columns: ${table.columns.join(", ")})`);
  }
  return table.rows.map((row) => {
    const v = row.values;
    const yTrue = cell(v.y_true);
    const yPred = cell(v.y_pred);
    for (const [name, value] of [["y_true", yTrue], ["y_pred", yPred]] as const) {
      if (value === null || !Number.isInteger(value) || value < 0 || value >= CLASS_NAMES.length) {
        throw usageError("bad_csv", `${path} row ${row.line}: ${name} is not a class index 0..3: ${JSON.stringify(v[name])}`);
      }
    }
    const probs = CLASS_NAMES.map((c) => cell(v[`p_${c}`]) ?? Number.NaN) as [number, number, number, number];
    return { accession: v.accession ?? "", imagePath: v.image_path ?? "", yTrue: yTrue as number, yPred: yPred as number, probs, patientId: v.patient_id ?? "" };
  });
}

const GRADCAM_NAME = /^gradcam_idx(\d+)_pred(\d+)_true(\d+)\.png$/;

function listGradcam(dir: string): GradcamImage[] {
  if (!existsSync(dir)) return [];
  const images: GradcamImage[] = [];
  for (const file of readdirSync(dir)) {
    const m = GRADCAM_NAME.exec(file);
    if (!m) continue;
    const sidecar = join(dir, file.replace(/\.png$/, ".json"));
    let heatmap: GradcamImage["heatmap"] = null;
    let inputFile: string | null = null;
    if (existsSync(sidecar)) {
      const parsed = readJson(sidecar, gradcamSidecarSchema, "Grad-CAM map");
      if (parsed.heatmap.values.length !== parsed.heatmap.width * parsed.heatmap.height) {
        throw usageError("bad_artifact", `${sidecar}: heatmap has ${parsed.heatmap.values.length} values, expected ${parsed.heatmap.width}×${parsed.heatmap.height}`);
      }
      heatmap = parsed.heatmap;
      inputFile = join(dir, parsed.input_png);
    }
    images.push({ file: join(dir, file), index: Number(m[1]), pred: Number(m[2]), true: Number(m[3]), heatmap, inputFile });
  }
  return images.sort((a, b) => a.index - b.index || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}
