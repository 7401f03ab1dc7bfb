import { join } from "node:path";
import { z } from "zod";
import { METRIC_NAMES, expandPattern } from "../lib/aggregate/index.ts";
import { initBackend } from "../lib/backend/index.ts";
import { LABEL_CODINGS, loadImages } from "../lib/dataset/index.ts";
import { usageError } from "../lib/errors/index.ts";
import {
  PREDICTION_COLUMNS,
  averageProbabilities,
  cacheSample,
  checkPreprocessing,
  evaluatePredictions,
  groupOf,
  loadRunModel,
  predictMetricsJson,
  predictProbabilities,
  predictionRows,
  predictionsCsv,
  readPredictInputs,
  scored,
  unknownAccessions,
  writeGradcams,
  type Evaluation,
  type InferenceInputs,
  type PredictSample,
  type Preprocessing,
  type RunModel,
} from "../lib/predict/index.ts";
import { defineTask, type TaskContext } from "../lib/task/index.ts";
import { embeddingsFor, loadEmbeddings } from "../lib/train/embeddings.ts";

/** Coverage of the bootstrap intervals in metrics.json. */
const CONFIDENCE = 0.95;

const f3 = (v: number | null | undefined) => (v === null || v === undefined ? "n/a" : v.toFixed(3));

/** `0.712 [0.668, 0.751]` for the log. */
function withInterval(e: Evaluation, metric: (typeof METRIC_NAMES)[number], value: number | null): string {
  const i = e.intervals[metric];
  return `${f3(value)} [${f3(i.low)}, ${f3(i.high)}]${i.undefined_resamples ? ` (undefined on ${i.undefined_resamples})` : ""}`;
}

const params = z.object({
  run: z.array(z.string()).default([]).describe("run directory whose best_model to apply (repeat for an ensemble, e.g. the seeds' runs); globs allowed"),
  csv: z.string().min(1).describe("CSV of the images: a label CSV (any format train reads) or a plain list (image_path, or AccessionNumber / accession)"),
  dicomRoot: z.string().default("archive").describe("root of the DICOM archive"),
  format: z.enum(["auto", "classificacao", "paths", "cbis-ddsm", "vindr", "rsna"]).default("auto").describe("label CSV layout; auto detects it from the header"),
  views: z.enum(["one", "all"]).default("one").describe("accession lists: the first readable image per accession, or every view"),
  labelCoding: z.enum(LABEL_CODINGS).default("auto").describe("how a path-based CSV's numeric labels count: 0-3 or 1-4 (A = 0 or 1), A-D; auto tells from the values and refuses when it cannot"),
  outdir: z.string().default("outputs/predict").describe("where predictions.csv, metrics.json and gradcam/ go"),
  imgSize: z.number().int().positive().optional().describe("image size to prepare; refused unless it is the models' (default: theirs)"),
  window: z.enum(["percentile", "voi"]).optional().describe("intensity window; refused unless it is the models' (default: theirs)"),
  channels: z.number().int().positive().default(1).describe("channels the images are given in (the archive's grey images: 1; 3 repeats the grey value); refused unless the models take it"),
  gradcam: z.array(z.string()).default([]).describe("accession to draw Grad-CAM overlays for, with every model"),
  bootstrap: z.number().int().nonnegative().default(5000).describe("patient-level bootstrap resamples for the metric intervals (0 disables)"),
  seed: z.number().int().nonnegative().default(42).describe("root seed of the bootstrap stream"),
  batchSize: z.number().int().positive().default(16).describe("images per inference batch"),
  backend: z.enum(["auto", "tensorflow", "wasm", "cpu", "native"]).default("auto").describe("tfjs backend"),
  embeddingsDir: z.string().optional().describe("per-accession embeddings (features.npy + metadata.csv) for models that fuse them"),
  cacheDir: z.string().default(".cache/preprocessed").describe("cache of decode verdicts and preprocessed images"),
});
type Params = z.infer<typeof params>;
type TF = Awaited<ReturnType<typeof initBackend>>["tf"];

/** The images to predict, prepared as the models were trained (preprocessing and embeddings checked). */
async function prepareInputs(models: readonly RunModel[], backendName: string, p: Params, ctx: TaskContext) {
  const pre = checkPreprocessing(models, { ...(p.imgSize ? { img_size: p.imgSize } : {}), ...(p.window ? { window: p.window } : {}), channels: p.channels });
  ctx.log.info(`${models.length} model(s) on backend ${backendName}; preprocessing img_size ${pre.img_size}, window ${pre.window}, channels ${pre.channels}`);
  const fused = models.filter((m) => m.embeddingDim > 0);
  if (fused.length && !p.embeddingsDir) throw usageError("missing_input", `--run ${fused[0]?.dir}: the model fuses ${fused[0]?.embeddingDim}-d embeddings; pass --embeddings-dir`);
  const inputs = await readPredictInputs({ csv: p.csv, dicomRoot: p.dicomRoot, format: p.format, views: p.views, labelCoding: p.labelCoding, cacheDir: p.cacheDir }, ctx);
  const { samples } = inputs;
  const missing = unknownAccessions(samples, p.gradcam);
  if (missing.length) throw usageError("unknown_accession", `--gradcam ${missing.join(", ")}: no such accession among the images in ${p.csv}`);
  ctx.log.info(`${samples.length} image(s) from ${p.csv} (${inputs.format}${inputs.labelled ? ", labelled" : ", no labels"})${inputs.unreadable ? `; ${inputs.unreadable} unreadable file(s) left out` : ""}`);
  const images = await loadImages(samples.map(cacheSample), { imgSize: pre.img_size, window: pre.window as "percentile" | "voi", cacheDir: p.cacheDir }, ctx);
  let embeddings: Float32Array[] | undefined;
  if (fused.length && p.embeddingsDir) {
    const loaded = loadEmbeddings(p.embeddingsDir);
    for (const m of fused) if (m.embeddingDim !== loaded.dim) throw usageError("bad_embeddings", `--run ${m.dir}: the model fuses ${m.embeddingDim}-d embeddings, --embeddings-dir ${p.embeddingsDir} holds ${loaded.dim}-d ones`);
    embeddings = embeddingsFor(loaded, samples.map((s) => s.accession), p.embeddingsDir);
  }
  const inputsFor = (m: RunModel): InferenceInputs => ({ images, imgSize: pre.img_size, channels: pre.channels, ...(m.embeddingDim > 0 && embeddings ? { embeddings } : {}) });
  return { pre, inputs, inputsFor };
}

/** Each model's probabilities, and the ensemble's (their mean) when there are several: predictions.csv, and predictions_<model>.csv per model of an ensemble. */
function predictAll(tf: TF, models: readonly RunModel[], samples: readonly PredictSample[], inputsFor: (m: RunModel) => InferenceInputs, p: Params, ctx: TaskContext) {
  const probs = models.map((m) => {
    const bar = ctx.progress(`${m.name} (${m.dir})`, samples.length);
    const out = predictProbabilities(tf, m.model, inputsFor(m), p.batchSize, bar);
    bar.stop();
    return out;
  });
  const ensemble = models.length > 1 ? averageProbabilities(probs) : null;
  const predictionsPath = join(p.outdir, "predictions.csv");
  const inputs = [p.csv, ...models.map((m) => join(m.dir, "best_model", "weights.bin"))];
  ctx.artifacts.writeCsv(predictionsCsv, predictionsPath, PREDICTION_COLUMNS, predictionRows(samples, ensemble ?? (probs[0] as number[][])), inputs);
  const modelFiles = models.map((m) => (ensemble ? join(p.outdir, `predictions_${m.name}.csv`) : predictionsPath));
  if (ensemble) models.forEach((m, i) => ctx.artifacts.writeCsv(predictionsCsv, modelFiles[i] as string, PREDICTION_COLUMNS, predictionRows(samples, probs[i] as number[][]), inputs));
  return { probs, ensemble, predictionsPath, modelFiles };
}

/** metrics.json: each model's and the ensemble's metrics with patient-bootstrap intervals, logged one line each. */
function evaluateAll(models: readonly RunModel[], samples: readonly PredictSample[], predicted: ReturnType<typeof predictAll>, extra: { pre: Preprocessing; gradcams: string[] }, p: Params, ctx: TaskContext): string {
  const { probs, ensemble, predictionsPath, modelFiles } = predicted;
  const bar = ctx.progress("bootstrap", p.bootstrap * (ensemble ? models.length + 1 : models.length));
  const boot = { resamples: p.bootstrap, seed: p.seed, confidence: CONFIDENCE, onResample: () => bar.increment() };
  const evaluate = (pr: number[][], file: string): Evaluation => evaluatePredictions(scored(samples, pr, file), boot);
  const perModel = models.map((m, i) => evaluate(probs[i] as number[][], modelFiles[i] as string));
  const ens = ensemble ? evaluate(ensemble, predictionsPath) : null;
  bar.stop();
  const metricsPath = join(p.outdir, "metrics.json");
  ctx.artifacts.writeJson(
    predictMetricsJson,
    metricsPath,
    {
      csv: p.csv,
      dicom_root: p.dicomRoot,
      n_images: samples.length,
      n_patients: new Set(samples.map(groupOf)).size,
      preprocessing: extra.pre,
      bootstrap: { resamples: p.bootstrap, unit: "patient", seed: p.seed, stream: "bootstrap", confidence: CONFIDENCE, intervals: p.bootstrap > 0 ? ["percentile", "bca"] : [] },
      models: models.map((m, i) => ({ name: m.name, run: m.dir, seed: m.seed, weights_sha256: m.weightsSha256, predictions: modelFiles[i] as string, ...(perModel[i] as Evaluation) })),
      ensemble: ens ? { members: models.map((m) => m.name), rule: "mean of the members' softmax probabilities; y_pred = its argmax", predictions: predictionsPath, ...ens } : null,
      gradcam: extra.gradcams,
    },
    [p.csv, ...models.flatMap((m) => [join(m.dir, "summary.json"), join(m.dir, "best_model", "model.json"), join(m.dir, "best_model", "weights.bin")])],
  );
  for (const [name, e] of [...models.map((m, i) => [m.name, perModel[i]] as const), ...(ens ? [["ensemble", ens] as const] : [])]) {
    if (!e) continue;
    const m = e.metrics;
    ctx.log.info(`${name}: acc ${withInterval(e, "accuracy", m.acc)}, kappa_q ${withInterval(e, "kappa_quadratic", m.kappa_quadratic)}, macro_f1 ${withInterval(e, "macro_f1", m.macro_f1)}, auc_ovr ${withInterval(e, "auc_ovr", m.auc_ovr)}`);
  }
  return metricsPath;
}

export default defineTask({
  name: "predict",
  description: "Apply trained models (one run, or several as an ensemble of averaged probabilities) to an archive: predictions.csv, and metrics.json with patient-bootstrap CIs when the CSV has labels",
  params,
  examples: [
    "bun run task predict --run outputs/mammo_efficientnetb0_density/results --csv holdout.csv --dicom-root archive --outdir outputs/predict",
    "bun run task predict --run 'outputs/seeds/results*' --csv classificacao_2024.csv --dicom-root archive_2024 --gradcam 000123 --outdir outputs/predict_2024",
  ],
  outputs: (p) => [join(p.outdir, "predictions.csv")],
  async run(params, ctx) {
    const dirs = params.run.flatMap((p) => expandPattern(p, "--run"));
    if (!dirs.length) throw usageError("no_runs", "nothing to apply: give --run DIR (repeat it for an ensemble)");
    if (params.channels !== 1 && params.channels !== 3) throw usageError("bad_value", `invalid --channels: ${params.channels} (expected 1, or 3 to repeat the grey value)`);
    const backend = await initBackend(params.backend, ctx.log);
    const { tf } = backend;
    const models: RunModel[] = [];
    try {
      for (const [i, dir] of dirs.entries()) models.push(await loadRunModel(tf, dir, `model_${i + 1}`));
      const { pre, inputs, inputsFor } = await prepareInputs(models, backend.name, params, ctx);
      const { samples } = inputs;
      const predicted = predictAll(tf, models, samples, inputsFor, params, ctx);
      const gradcamDir = join(params.outdir, "gradcam");
      const gradcams = models.flatMap((m, i) => writeGradcams(tf, m, inputsFor(m), samples, predicted.probs[i] as number[][], params.gradcam, gradcamDir));
      if (gradcams.length) ctx.log.info(`grad-cam: ${gradcams.length} overlay(s) in ${gradcamDir}`);
      const metricsPath = inputs.labelled ? evaluateAll(models, samples, predicted, { pre, gradcams }, params, ctx) : null;
      if (!inputs.labelled) ctx.log.info("the CSV has no labels: predictions only, no metrics.json");
      return { path: predicted.predictionsPath, metrics: metricsPath, models: models.length, images: samples.length, labelled: inputs.labelled, gradcam: gradcams.length };
    } finally {
      for (const m of models) m.model.dispose();
    }
  },
});
