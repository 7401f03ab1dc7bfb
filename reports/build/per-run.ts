import { join } from "node:path";
import { CLASS_NAMES } from "../../lib/metrics/index.ts";
import { className } from "../inputs/classes.ts";
import type { RunData } from "../inputs/run.ts";
import { confusionFigure } from "../figures/confusion.ts";
import { gradcamFigure } from "../figures/gradcam.ts";
import { trainFigure } from "../figures/train.ts";
import { interpretConfusion, interpretGradcam, interpretTrain } from "../notebook/interpret.ts";
import type { Block } from "../notebook/page.ts";
import { runLabel } from "../tables/metrics-table.ts";
import { fixed3 } from "../tables/model.ts";
import type { ReportFigure } from "./types.ts";

/** `seed42`, or `seed42_fold2` for a cross-validation fold: the suffix of a run's figure names. */
export function runKey(run: Pick<RunData, "seed" | "fold">): string {
  return `seed${run.seed}${run.fold === null ? "" : `_fold${run.fold}`}`;
}

/** The per-run figures that its files allow: training curves, confusion matrix, Grad-CAM collage. */
export function runFigures(run: RunData, gradcamLimit: number): { train: ReportFigure | null; confusion: ReportFigure | null; gradcam: ReportFigure | null } {
  const label = `seed ${runLabel(run)}`;
  const key = runKey(run);
  const bestEpoch = run.summary.best_epoch ?? run.valMetrics?.epoch ?? null;
  let train: ReportFigure | null = null;
  if (run.history && run.history.length > 0) {
    const name = `density_train_${key}`;
    train = {
      name,
      svg: trainFigure({ name, history: run.history, bestEpoch, bestMetricName: run.summary.best_metric_name ?? null }),
      caption: `Training curves of ${label}: training and validation loss (top) and validation metrics (bottom) per epoch${bestEpoch === null ? "" : `; the dashed line marks the best epoch (${bestEpoch})`}.`,
      note: interpretTrain(run.history, bestEpoch, run.summary.best_metric_name ?? null, run.summary.best_metric ?? null),
      source: join(run.dir, "train_history.csv"),
    };
  }
  let confusion: ReportFigure | null = null;
  if (run.valMetrics) {
    const name = `density_confusion_${key}`;
    const epoch = run.valMetrics.epoch ?? bestEpoch;
    confusion = {
      name,
      svg: confusionFigure({ name, matrix: run.valMetrics.confusion_matrix, report: run.valMetrics.classification_report }),
      caption: `Validation confusion matrix of ${label}${epoch === null ? "" : ` at epoch ${epoch}`}: counts (left), percent of each true class (right), and per-class precision, recall and F1 (bottom).`,
      note: interpretConfusion(run.valMetrics.confusion_matrix, run.valMetrics.classification_report),
      source: join(run.dir, "metrics", "val_metrics.json"),
    };
  }
  let gradcam: ReportFigure | null = null;
  const shown = run.gradcam.slice(0, gradcamLimit);
  if (shown.length > 0) {
    const name = `density_gradcam_${key}`;
    gradcam = {
      name,
      svg: gradcamFigure({ name, images: shown }),
      caption: gradcamCaption(label, shown),
      note: interpretGradcam(shown, run.gradcam.length),
      source: join(run.dir, "gradcam"),
    };
  }
  return { train, confusion, gradcam };
}

/** What a Grad-CAM collage shows: maps over the input (viridis, with a colour bar) or the run's own overlays. */
export function gradcamCaption(label: string, shown: readonly RunData["gradcam"][number][]): string {
  const maps = shown.every((g) => g.heatmap !== null && g.inputFile !== null);
  const what = maps
    ? "the Grad-CAM map at the network's feature-map resolution (viridis, half transparent; colour bar above) over each input image"
    : "Grad-CAM overlays as the run wrote them";
  return `Grad-CAM of ${label}: ${what}, for the first ${shown.length} validation images, with their predicted and true density class.`;
}

/** How many of a run's largest errors the notebook lists. */
const ERRORS_LISTED = 8;

/**
 * The notebook's details of one run: its facts, per-class report, hyperparameters and its
 * largest errors (furthest from the true class first, then most confident).
 */
export function runDetails(run: RunData): Block[] {
  const s = run.summary;
  const r = s.reproducibility;
  const facts: [string, string][] = [
    ["Run directory", run.dir],
    ["Seed", String(run.seed)],
    ...(run.fold === null ? [] : ([["Fold", String(run.fold)]] as [string, string][])),
    ["Backend", s.backend ?? "unknown"],
    ["Best epoch", s.best_epoch === null || s.best_epoch === undefined ? "unknown" : `${s.best_epoch}${s.best_metric_name ? ` (${s.best_metric_name} = ${fixed3(s.best_metric)})` : ""}`],
    ["Data fingerprint", s.data_fingerprint ?? "unknown"],
    ["Split hash", s.split_hash ?? "unknown"],
    ["Weights SHA-256", s.weights_sha256 ?? "unknown"],
    ["Git commit", r?.git_commit ? `${r.git_commit}${r.git_dirty ? " (dirty)" : ""}` : "unknown"],
    ["Finished at", s.finished_at ?? "unknown"],
    ["Command", r?.command_line ?? "unknown"],
  ];
  const blocks: Block[] = [{ kind: "facts", title: "Run", facts }];
  const vm = run.valMetrics;
  if (vm) {
    blocks.push({
      kind: "facts",
      title: "Validation metrics (best epoch)",
      facts: (
        [
          ["Accuracy", vm.acc],
          ["κ (quadratic)", vm.kappa_quadratic],
          ["Macro-F1", vm.macro_f1],
          ["Weighted F1", vm.weighted_f1],
          ["AUC (OvR)", vm.auc_ovr],
          ["Balanced accuracy", vm.bal_acc],
          ["Balanced accuracy, chance-adjusted", vm.bal_acc_adj],
        ] as const
      ).map(([k, v]) => [k, fixed3(v)] as [string, string]),
    });
    blocks.push({
      kind: "grid",
      title: "Per-class report",
      header: ["Class", "Precision", "Recall", "F1", "Support"],
      rows: CLASS_NAMES.map((c) => {
        const x = vm.classification_report[c];
        return [c, fixed3(x.precision), fixed3(x.recall), fixed3(x["f1-score"]), String(x.support)];
      }),
      note: "From classification_report in metrics/val_metrics.json.",
    });
  }
  const config = s.config ?? {};
  const keys = Object.keys(config).sort();
  if (keys.length > 0) blocks.push({ kind: "facts", title: "Hyperparameters", facts: keys.map((k) => [k, JSON.stringify(config[k]) ?? "null"]) });
  if (run.predictions) {
    const errors = run.predictions
      .filter((p) => p.yTrue !== p.yPred)
      .sort((a, b) => Math.abs(b.yTrue - b.yPred) - Math.abs(a.yTrue - a.yPred) || (b.probs[b.yPred] ?? 0) - (a.probs[a.yPred] ?? 0) || (a.accession < b.accession ? -1 : a.accession > b.accession ? 1 : 0));
    blocks.push({
      kind: "grid",
      title: `Largest errors (${Math.min(ERRORS_LISTED, errors.length)} of ${errors.length} misclassified, ${run.predictions.length} validation images)`,
      header: ["Accession", "Patient", "True", "Predicted", "p(predicted)", "p(true)", "Image"],
      rows: errors.slice(0, ERRORS_LISTED).map((p) => [p.accession, p.patientId, className(p.yTrue), className(p.yPred), fixed3(p.probs[p.yPred]), fixed3(p.probs[p.yTrue]), p.imagePath]),
      note: errors.length === 0 ? "Every validation image is classified correctly." : "From val_predictions.csv; furthest from the true class first, then most confident.",
    });
  }
  return blocks;
}
