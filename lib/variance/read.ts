import { join } from "node:path";
import { readJson } from "../artifacts/index.ts";
import { readRun, type Run } from "../aggregate/index.ts";
import { summarySchema } from "../train/summary.ts";

/** What the study needs beyond the aggregate's view of a run (absent in reference-pipeline runs). */
const extraSchema = summarySchema.pick({ weights_sha256: true, deterministic: true }).partial();

/** One finished training run of a variance study. */
export interface StudyRun extends Run {
  /** SHA-256 of the best epoch's weights (null in runs that do not record it). */
  weightsSha256: string | null;
  /** `--deterministic` of the run (asks the tensorflow backend for deterministic kernels). */
  deterministic: boolean;
}

export function readStudyRun(dir: string): StudyRun {
  const run = readRun(dir, null);
  const extra = readJson(join(dir, "summary.json"), extraSchema, "run summary");
  return { ...run, weightsSha256: extra.weights_sha256 ?? null, deterministic: extra.deterministic ?? false };
}

/** Backends whose kernels give the same bits on every run (tensorflow only with --deterministic). */
export function deterministicBackend(backend: string, deterministicFlag: boolean): boolean {
  return backend === "wasm" || backend === "cpu" || backend === "native" || (backend === "tensorflow" && deterministicFlag);
}
