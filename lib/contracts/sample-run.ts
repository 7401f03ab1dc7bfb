import { join } from "node:path";
import { provenanceKind, provenanceSidecarJson, sidecarPath, type ArtifactContract } from "../artifacts/index.ts";
import { aggregateCompareCsv, aggregateCsv, aggregateJson } from "../aggregate/index.ts";
import { predictMetricsJson, predictionsCsv } from "../predict/outputs.ts";
import { runStatusJson } from "../runs/status.ts";
import { splitJson } from "../split/index.ts";
import { runTask } from "../task/index.ts";
import { gradcamJson } from "../train/gradcam-pngs.ts";
import { optunaTrialJson, rayJsonl, testMetricsJson, testPredictionsCsv, trainHistoryCsv, trainHistoryJson, valMetricsJson, valPredictionsCsv } from "../train/outputs.ts";
import { summaryJson } from "../train/summary.ts";
import { planJson, varianceJson } from "../variance/index.ts";
import { dataAuditCsv, dataManifestJson } from "../../tasks/audit.ts";
import { cvSummaryJson } from "../cv/index.ts";
import { seedsJson } from "../../tasks/seed.ts";
import { synthJson } from "../../tasks/synth.ts";

/** One file a sample run wrote, with the contract it must follow. */
export interface WrittenArtifact {
  contract: ArtifactContract;
  file: string;
}

/** Training at the smallest size that still exercises every output (test part, Grad-CAM, HPO files). */
const TINY_TRAIN = { arch: "small-cnn", backend: "wasm", imgSize: 16, batchSize: 8, epochs: 2, lr: 3e-3, backboneLr: 1e-3 } as const;

/**
 * The demo's pieces at a tiny size, in process, under `dir`: synth, audit, seed, split with a test
 * part, two training runs (seeds 42, 43), a 2-fold CV, aggregate, plan-seeds, a variance analysis
 * of two more runs (each with its own split), their comparison with the first two, and predict (an ensemble of the first two). Returns every artifact written with its contract (CSV,
 * JSON-lines and JSON-array files with their provenance sidecars), for the published-schema check
 * and the examples of `bun run docs`. About a minute on 2 cores.
 */
export async function sampleRun(dir: string): Promise<WrittenArtifact[]> {
  const quiet = { quiet: true };
  const cohort = join(dir, "synth");
  const data = { csv: join(cohort, "classificacao.csv"), dicomRoot: join(cohort, "archive"), cacheDir: join(dir, "cache") };
  await runTask("synth", { outdir: cohort, accessions: 40, seed: 3, imageSize: 32 }, quiet);
  await runTask("audit", { ...data, outdir: join(dir, "audit"), imgSize: 0 }, quiet);
  await runTask("seed", { seeds: [42, 43], outdir: join(dir, "seeds") }, quiet);
  await runTask("split", { ...data, seed: 42, valFrac: 0.3, testFrac: 0.2, outdir: join(dir, "split") }, quiet);
  const split = join(dir, "split", "split.json");
  const runs = [42, 43].map((seed) => join(dir, "runs", `seed_${seed}`, "results"));
  for (const [i, seed] of [42, 43].entries()) {
    await runTask("train", { ...data, ...TINY_TRAIN, seed, split, runDir: runs[i], gradcamSamples: 1, optunaTrialId: String(seed), rayTrialName: `t${seed}` }, quiet);
  }
  await runTask("cv", { ...data, ...TINY_TRAIN, epochs: 1, seed: 42, cvFolds: 2, cvOutdir: join(dir, "cv") }, quiet);
  await runTask("aggregate", { run: runs, outdir: join(dir, "aggregate"), bootstrap: 50 }, quiet);
  await runTask("plan-seeds", { aggregate: join(dir, "aggregate", "aggregate.json"), metric: "accuracy", delta: 0.05, outdir: join(dir, "plan") }, quiet);
  // A variance study needs runs whose every source follows the seed: their own split.
  const study = [42, 43].map((seed) => join(dir, "study", `seed_${seed}`, "results"));
  for (const [i, seed] of [42, 43].entries()) await runTask("train", { ...data, ...TINY_TRAIN, epochs: 1, seed, valFrac: 0.3, runDir: study[i] }, quiet);
  await runTask("variance", { run: study, design: "all", n: 2, outdir: join(dir, "variance") }, quiet);
  // Runs paired by seed; their split seeds differ (split.json's 42 against each run's own), hence --allow-mixed.
  await runTask("aggregate", { compare: [join(dir, "runs", "*", "results"), join(dir, "study", "*", "results")], allowMixed: true, bootstrap: 0, outdir: join(dir, "compare") }, quiet);
  await runTask("predict", { run: runs, csv: data.csv, dicomRoot: data.dicomRoot, cacheDir: data.cacheDir, outdir: join(dir, "predict"), bootstrap: 20, batchSize: 8 }, quiet);
  return withSidecars([
    { contract: synthJson, file: join(cohort, "synth.json") },
    { contract: dataManifestJson, file: join(dir, "audit", "data_manifest.json") },
    { contract: dataAuditCsv, file: join(dir, "audit", "data_audit.csv") },
    { contract: seedsJson, file: join(dir, "seeds", "seeds.json") },
    { contract: splitJson, file: split },
    ...runs.flatMap((run, i) => runArtifacts(run, `t${42 + i}`)),
    { contract: cvSummaryJson, file: join(dir, "cv", "cv_summary.json") },
    { contract: aggregateJson, file: join(dir, "aggregate", "aggregate.json") },
    { contract: aggregateCsv, file: join(dir, "aggregate", "aggregate.csv") },
    { contract: aggregateCompareCsv, file: join(dir, "compare", "aggregate_compare.csv") },
    { contract: planJson, file: join(dir, "plan", "plan.json") },
    { contract: varianceJson, file: join(dir, "variance", "variance.json") },
    { contract: predictionsCsv, file: join(dir, "predict", "predictions.csv") },
    { contract: predictionsCsv, file: join(dir, "predict", "predictions_model_1.csv") },
    { contract: predictMetricsJson, file: join(dir, "predict", "metrics.json") },
  ]);
}

/** What one training run wrote. */
function runArtifacts(run: string, trialName: string): WrittenArtifact[] {
  return [
    { contract: summaryJson, file: join(run, "summary.json") },
    { contract: valMetricsJson, file: join(run, "metrics", "val_metrics.json") },
    { contract: testMetricsJson, file: join(run, "metrics", "test_metrics.json") },
    { contract: trainHistoryCsv, file: join(run, "train_history.csv") },
    { contract: trainHistoryJson, file: join(run, "train_history.json") },
    { contract: valPredictionsCsv, file: join(run, "val_predictions.csv") },
    { contract: testPredictionsCsv, file: join(run, "test_predictions.csv") },
    { contract: optunaTrialJson, file: join(run, "optuna_trial.json") },
    { contract: rayJsonl, file: join(run, `ray_${trialName}.jsonl`) },
    { contract: runStatusJson, file: join(run, "status.json") },
    ...gradcamFiles(run),
  ];
}

/** The Grad-CAM sidecar of the first validation image (its name carries the classes). */
function gradcamFiles(run: string): WrittenArtifact[] {
  const dir = join(run, "gradcam");
  const files = new Bun.Glob("gradcam_idx*_pred*_true*.json").scanSync({ cwd: dir });
  return [...files].map((f) => ({ contract: gradcamJson, file: join(dir, f) }));
}

/** Adds the provenance sidecar of every file that has one. */
function withSidecars(written: WrittenArtifact[]): WrittenArtifact[] {
  return written.flatMap((w) => (provenanceKind(w.contract) === "sidecar" ? [w, { contract: provenanceSidecarJson, file: sidecarPath(w.file) }] : [w]));
}
