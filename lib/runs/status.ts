import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { defineArtifact, writeContractJson } from "../artifacts/index.ts";

/**
 * What a run directory holds:
 * - `finished`: `summary.json` is there (written last by a training run; the reference
 *   pipeline's runs have no status file, so the summary alone decides);
 * - `failed`: the run stopped with an error, recorded in `status.json` (and in `run.log`);
 * - `incomplete`: started but neither finished nor failed (running now, or killed).
 */
export type RunState = "finished" | "failed" | "incomplete";

export const RUN_STATUS_FILE = "status.json";

/** `status.json` of a run directory. */
export const runStatusSchema = z.object({
  /** `running` while training, then `failed` or `finished`. */
  status: z.enum(["running", "failed", "finished"]),
  /** The error message of a failed run. */
  error: z.string().optional(),
  /** ISO time of the last change. */
  updated_at: z.string(),
});
export type RunStatus = z.infer<typeof runStatusSchema>;

export const runStatusJson = defineArtifact({
  name: "run_status",
  path: "<run dir>/status.json",
  format: "json",
  schema: runStatusSchema,
  enveloped: false,
  writer: "lib/runs/status.ts (by lib/train/run.ts)",
  readers: ["lib/runs/status.ts (runState: aggregate, runs, predict, cv)"],
  description: "A run's state while it has no summary.json: running, failed (with the error) or finished, and when it changed. A small marker rewritten in place: no envelope (summary.json carries the run's provenance).",
  version: 1,
});

/** Records the run's status atomically. */
export function markRun(dir: string, status: RunStatus["status"], now: Date, error?: string): void {
  const body: RunStatus = { status, updated_at: now.toISOString(), ...(error === undefined ? {} : { error }) };
  writeContractJson(runStatusJson, join(dir, RUN_STATUS_FILE), body);
}

/** The state of run directory `dir` (see {@link RunState}), with the error of a failed run. */
export function runState(dir: string): { state: RunState; error?: string } {
  if (existsSync(join(dir, "summary.json"))) return { state: "finished" };
  const path = join(dir, RUN_STATUS_FILE);
  if (!existsSync(path)) return { state: "incomplete" };
  const parsed = runStatusSchema.safeParse(safeJson(path));
  if (parsed.success && parsed.data.status === "failed") return { state: "failed", error: parsed.data.error };
  return { state: "incomplete" };
}

function safeJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return null;
  }
}
