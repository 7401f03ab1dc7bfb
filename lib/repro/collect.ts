import { join } from "node:path";
import { z } from "zod";
import { readJson } from "../artifacts/index.ts";
import { readCsv } from "../dataset/csv.ts";
import { valMetricsSchema } from "../metrics/index.ts";
import { summarySchema } from "../train/summary.ts";
import type { SeedFingerprint } from "./fingerprint.ts";

/** History columns that measure the machine, not the computation. */
const TIMING_COLUMNS = new Set(["seconds", "time", "epoch_seconds"]);

/** What the check needs of summary.json: a finished run has a best epoch. */
const summaryPart = summarySchema.pick({ seed: true, backend: true, best_epoch: true, weights_sha256: true, provenance: true }).extend({ best_epoch: z.number().int() });

/** Reduces one training run directory to what the nightly check compares. */
export function fingerprintRun(runDir: string): { fingerprint: SeedFingerprint; seed: number; backend: string; environment: Record<string, unknown> } {
  const summary = readJson(join(runDir, "summary.json"), summaryPart, "run summary");
  const { rows } = readCsv(join(runDir, "train_history.csv"));
  const history = rows.map(({ values }) =>
    Object.fromEntries(
      Object.entries(values)
        .filter(([k]) => !TIMING_COLUMNS.has(k) && k !== "epoch")
        .map(([k, v]) => [k, v === "" ? null : Number(v)]),
    ),
  );
  // The scalar metrics (not the envelope, the confusion matrix or the report).
  const bestMetrics = readJson(join(runDir, "metrics", "val_metrics.json"), valMetricsSchema, "validation metrics");
  const metrics = Object.fromEntries(Object.entries(bestMetrics).filter(([, v]) => typeof v === "number" || v === null)) as Record<string, number | null>;
  return {
    fingerprint: { weights_sha256: summary.weights_sha256, history, metrics, best_epoch: summary.best_epoch },
    seed: summary.seed,
    backend: summary.backend,
    environment: { backend: summary.backend, ...summary.provenance },
  };
}
