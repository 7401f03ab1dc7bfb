import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { METRIC_RANGES, pickMetrics } from "../lib/aggregate/index.ts";
import { readJson } from "../lib/artifacts/index.ts";
import { CV_CONFIDENCE, CV_METRICS, cvSummaryJson, type CvFold, type FailedFold } from "../lib/cv/index.ts";
import { errorMessage, usageError } from "../lib/errors/index.ts";
import { valMetricsSchema } from "../lib/metrics/index.ts";
import { deriveSeed } from "../lib/rng/index.ts";
import { readSplit, type SplitArtifact } from "../lib/split/index.ts";
import { summarize } from "../lib/stats/index.ts";
import { defineTask, type TaskContext } from "../lib/task/index.ts";
import { checkTrainParams, trainParams, type TrainParams } from "../lib/train/params.ts";

/** A fold is done when its run wrote summary.json (the train task writes it last). */
function foldDone(runDir: string): boolean {
  return existsSync(join(runDir, "summary.json")) && existsSync(join(runDir, "metrics", "val_metrics.json"));
}

type CvParams = Omit<TrainParams, "fold" | "runDir" | "resume" | "outdir"> & { cvFolds: number; cvOutdir: string };

/** The k-fold split.json the folds use: --split, or one made here with the split source's seed. */
async function foldSplit(params: CvParams, ctx: TaskContext): Promise<{ path: string; split: SplitArtifact }> {
  const { cvFolds, cvOutdir, ...train } = params;
  let path = train.split;
  if (path && train.seedSplit !== undefined) throw usageError("bad_value", `--seed-split ${train.seedSplit} cannot be combined with --split ${path} (the folds come from that file)`);
  if (!path) {
    const made = await ctx.runTask("split", {
      csv: train.csv,
      dicomRoot: train.dicomRoot,
      // The fold assignment is the split source: --seed-split when given, else --seed.
      seed: train.seedSplit ?? train.seed,
      folds: cvFolds,
      includeClass5: train.includeClass5,
      views: train.views,
      labelCoding: train.labelCoding,
      cacheDir: train.cacheDir,
      format: train.format,
      ...(train.subset ? { subset: train.subset } : {}),
      outdir: join(cvOutdir, "split"),
    });
    path = made.path as string;
  }
  const split = readSplit(path);
  if (split.kind !== "kfold" || split.folds !== cvFolds) {
    throw usageError("bad_split", `--split ${path} is a ${split.kind === "kfold" ? `${split.folds}-fold` : "hold-out"} split, but --cv-folds is ${cvFolds}`);
  }
  return { path, split };
}

/** Trains fold `k` unless it is done (resuming it when it has a checkpoint); its metrics, or its error. */
async function runFold(params: CvParams, k: number, splitPath: string, ctx: TaskContext): Promise<CvFold | FailedFold & { failed: true }> {
  const { cvFolds, cvOutdir, ...train } = params;
  const runDir = join(cvOutdir, `fold_${k}`, "results");
  // Each fold draws every random choice from its own streams (the reference pipeline computed
  // per-fold seeds but never applied them).
  const foldSeed = deriveSeed(train.seed, `fold/${k}`);
  if (!foldDone(runDir)) {
    const resume = existsSync(join(runDir, "checkpoint"));
    ctx.log.info(`fold ${k}/${cvFolds}: ${resume ? "resuming" : "training"} (seed ${foldSeed} = stream fold/${k} of ${train.seed}) in ${runDir}`);
    try {
      await ctx.runTask("train", { ...train, seed: foldSeed, split: splitPath, fold: k, runDir, resume, subset: undefined, seedSplit: undefined });
    } catch (err) {
      ctx.log.error(`fold ${k} failed: ${errorMessage(err)}`);
      return { fold: k, outdir: runDir, error: errorMessage(err), failed: true };
    }
  } else {
    ctx.log.info(`fold ${k}/${cvFolds}: already done (${runDir})`);
  }
  const m = pickMetrics(readJson(join(runDir, "metrics", "val_metrics.json"), valMetricsSchema, "fold metrics"));
  return { fold: k, outdir: runDir, seed: foldSeed, metrics: Object.fromEntries(CV_METRICS.map((name) => [name, m[name]])) as CvFold["metrics"] };
}

/** Writes cv_summary.json: the folds, then each metric's statistics over them. */
function writeCvSummary(params: CvParams, split: { path: string; split: SplitArtifact }, folds: CvFold[], failed: FailedFold[], ctx: TaskContext) {
  const stats = Object.fromEntries(
    // The t interval stays inside the metric's range (logit scale, or clipped at a bound).
    CV_METRICS.map((name) => [name, summarize(folds.map((f) => f.metrics[name]).filter((v): v is number => typeof v === "number"), { range: METRIC_RANGES[name], confidence: CV_CONFIDENCE })]),
  );
  const pick = (field: "mean" | "std" | "min" | "max" | "t_ci_low" | "t_ci_high") => Object.fromEntries(CV_METRICS.map((n) => [n, stats[n]?.[field] ?? null])) as CvFold["metrics"];
  const path = join(params.cvOutdir, "cv_summary.json");
  const test = split.split.test;
  ctx.artifacts.writeJson(
    cvSummaryJson,
    path,
    {
      k: params.cvFolds,
      seed: params.seed,
      split: split.path,
      split_hash: split.split.split_hash,
      folds,
      missing_folds: failed.map((f) => f.fold),
      failed_folds: failed,
      sigma: "sample",
      evaluation: `each fold's metrics are on its validation fold, on which its best epoch was chosen (optimistic)${test ? `; each fold's metrics/test_metrics.json holds the held-out test part (${test.size} samples)` : ""}`,
      mean: pick("mean"),
      std: pick("std"),
      min: pick("min"),
      max: pick("max"),
      ci_low: pick("t_ci_low"),
      ci_high: pick("t_ci_high"),
      ci_method: "95 % t interval of the mean on the logit scale (κ: of (κ + 1)/2), clipped to the metric's range where a fold sits on a bound",
    },
    [split.path],
  );
  for (const n of CV_METRICS) {
    const s = stats[n];
    if (s?.mean !== null && s?.mean !== undefined) ctx.log.info(`${n.padEnd(16)} ${s.mean.toFixed(3)} ± ${(s.std ?? 0).toFixed(3)} (σ sample, n=${s.n})`);
  }
  return path;
}

export default defineTask({
  name: "cv",
  description: "k-fold cross-validation: one training run per fold, each with its own seed stream, and cv_summary.json of the best epochs",
  params: trainParams.omit({ fold: true, runDir: true, resume: true, outdir: true }).extend({
    cvFolds: z.number().int().min(2).default(3).describe("number of folds k (the split is made here unless --split gives a k-fold split.json)"),
    cvOutdir: z.string().default("outputs/density_experiments/results_k").describe("folds go to <cv-outdir>/fold_{1..k}/results/"),
  }),
  check: checkTrainParams,
  examples: ["bun run task cv --csv data/generated/synth/classificacao.csv --dicom-root data/generated/synth/archive --arch small-cnn --img-size 64 --epochs 5 --cv-folds 3 --cv-outdir outputs/cv"],
  uses: ["split", "train"],
  outputs: (p) => [join(p.cvOutdir, "cv_summary.json")],
  async run(params, ctx) {
    const split = await foldSplit(params, ctx);
    const folds: CvFold[] = [];
    const failed: FailedFold[] = [];
    for (let k = 1; k <= params.cvFolds; k++) {
      const result = await runFold(params, k, split.path, ctx);
      if ("failed" in result) failed.push({ fold: result.fold, outdir: result.outdir, error: result.error });
      else folds.push(result);
    }
    const path = writeCvSummary(params, split, folds, failed, ctx);
    if (failed.length) ctx.log.warn(`folds missing: ${failed.map((f) => f.fold).join(", ")} — run the same command again to retry only those`);
    return { path, folds: folds.length, missing: failed.map((f) => f.fold) };
  },
});
