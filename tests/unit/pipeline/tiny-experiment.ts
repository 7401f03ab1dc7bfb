import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readJson } from "../../../lib/artifacts/index.ts";
import { valMetricsSchema } from "../../../lib/metrics/index.ts";

/**
 * Writes a tiny experiment file (24 synthetic accessions, 16-px images, 2 epochs, 2 seeds, no CV
 * or report) into `dir`, with `train` overrides; returns its path. Runs go to `<dir>/<name>`.
 */
export function writeTinyExperiment(dir: string, name: string, train: Record<string, unknown> = {}): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      name,
      outdir: join(dir, name),
      dataset: { synth: { accessions: 24, seed: 5, imageSize: 32, encodings: ["explicit-le"] } },
      split: { valFrac: 0.3 },
      train: { arch: "small-cnn", backend: "wasm", imgSize: 16, batchSize: 8, epochs: 2, lr: 3e-3, backboneLr: 1e-3, cacheDir: join(dir, "cache"), ...train },
      seeds: [42, 43],
      cv: null,
      aggregate: { bootstrap: 0 },
      report: null,
    }),
  );
  return path;
}

/** What a finished training run holds that must not depend on an interruption or where it ran (timings left out). */
export function runArtifacts(run: string): Record<string, string> {
  const history = readFileSync(join(run, "train_history.csv"), "utf8").trim().split("\n").map((l) => l.split(","));
  const drop = history[0]?.indexOf("seconds") ?? -1;
  const summary = JSON.parse(readFileSync(join(run, "summary.json"), "utf8")) as Record<string, unknown>;
  return {
    "weights.bin": readFileSync(join(run, "best_model", "weights.bin")).toString("base64"),
    "model.json": readFileSync(join(run, "best_model", "model.json"), "utf8"),
    // The metrics without the envelope, whose createdAt is the time of writing.
    "val_metrics.json": JSON.stringify(readJson(join(run, "metrics", "val_metrics.json"), valMetricsSchema)),
    "val_predictions.csv": readFileSync(join(run, "val_predictions.csv"), "utf8"),
    train_history: history.map((r) => r.filter((_, i) => i !== drop).join(",")).join("\n"),
    summary: JSON.stringify([summary.weights_sha256, summary.final_weights_sha256, summary.best_epoch, summary.val_metrics, summary.split_hash, summary.data_fingerprint]),
  };
}

/** The artifacts of both training runs that must not depend on an interruption (timings left out). */
export function trainingArtifacts(outdir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const seed of [42, 43]) {
    for (const [file, content] of Object.entries(runArtifacts(join(outdir, "runs", `seed_${seed}`, "results")))) out[`${seed}/${file}`] = content;
  }
  return out;
}
