import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { readCsv } from "../dataset/csv.ts";
import { runState, type RunState } from "./status.ts";

/** One run as the runs table shows it. */
export interface RunRow {
  /** The run directory, as found under the given roots. */
  dir: string;
  /** Its base name (`results_4`). */
  run: string;
  seed: number | null;
  fold: number | null;
  status: RunState;
  /** The error of a failed run. */
  error: string | null;
  backend: string | null;
  /** Training time in seconds (sum of the history's per-epoch seconds), when recorded. */
  durationSeconds: number | null;
  bestEpoch: number | null;
  /** The hyperparameters that define the configuration (`config` of summary.json). */
  params: Record<string, unknown>;
  /** Validation metrics at the best epoch. */
  metrics: Record<string, number | null>;
  /** What `--diff` compares beyond the params. */
  data: Record<string, unknown>;
  environment: Record<string, unknown>;
}

const isRunDir = (dir: string) => ["summary.json", "status.json", "run.log", "train_history.csv"].some((f) => existsSync(join(dir, f)));

/** How deep below each root run directories are looked for. */
const MAX_DEPTH = 5;

/**
 * The run directories at or under `roots` (a directory holding summary.json, status.json, run.log
 * or train_history.csv), sorted by path; a run directory's own subfolders are not searched.
 */
export function findRunDirs(roots: readonly string[]): string[] {
  const found = new Set<string>();
  const walk = (dir: string, depth: number) => {
    if (isRunDir(dir)) {
      found.add(dir);
      return;
    }
    if (depth >= MAX_DEPTH) return;
    let entries: string[];
    try {
      entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith(".")).map((e) => e.name);
    } catch {
      return;
    }
    for (const name of entries.sort()) walk(join(dir, name), depth + 1);
  };
  for (const root of roots) walk(root, 0);
  return [...found].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

const readJsonFile = (path: string): Record<string, unknown> | null => {
  try {
    const v = JSON.parse(readFileSync(path, "utf8"));
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
};
const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
const obj = (v: unknown) => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** Metric keys of the runs table, in the report's order (summary.json's short names). */
export const RUN_METRICS = ["accuracy", "kappa_quadratic", "macro_f1", "weighted_f1", "auc_ovr", "bal_acc"] as const;

/** Reads what the runs table shows of run directory `dir` (any state; missing pieces are null). */
export function readRunRow(dir: string): RunRow {
  const { state, error } = runState(dir);
  const summary = readJsonFile(join(dir, "summary.json")) ?? {};
  const vm = readJsonFile(join(dir, "metrics", "val_metrics.json"));
  const short = obj(summary.val_metrics);
  const metrics: Record<string, number | null> = {};
  for (const k of RUN_METRICS) metrics[k] = num(short[k]) ?? (vm ? num(k === "accuracy" ? vm.acc : vm[k]) : null);
  let durationSeconds: number | null = null;
  const history = join(dir, "train_history.csv");
  if (existsSync(history)) {
    try {
      const seconds = readCsv(history).rows.map((r) => Number(r.values.seconds));
      if (seconds.length > 0 && seconds.every((s) => Number.isFinite(s))) durationSeconds = seconds.reduce((a, b) => a + b, 0);
    } catch {
      durationSeconds = null;
    }
  }
  const repro = obj(summary.reproducibility);
  const provenance = obj(summary.provenance);
  return {
    dir,
    run: basename(dir),
    seed: num(summary.seed),
    fold: num(summary.fold),
    status: state,
    error: error ?? null,
    backend: typeof summary.backend === "string" ? summary.backend : null,
    durationSeconds,
    bestEpoch: num(summary.best_epoch),
    params: obj(summary.config),
    metrics,
    data: { data_fingerprint: summary.data_fingerprint ?? null, split_hash: summary.split_hash ?? null, data_hashes: summary.data_hashes ?? null },
    environment: {
      git_commit: repro.git_commit ?? null,
      git_dirty: repro.git_dirty ?? null,
      backend: summary.backend ?? null,
      backend_details: summary.backend_details ?? null,
      versions: summary.versions ?? provenance.versions ?? null,
      platform: provenance.platform ?? null,
      cpu: provenance.cpu ?? null,
    },
  };
}

/**
 * The params whose values are not the same in every row that records params (sorted by name); a
 * run that failed before writing its summary has none and does not make every param "differ".
 */
export function differingParams(rows: readonly RunRow[]): string[] {
  const withParams = rows.filter((r) => Object.keys(r.params).length > 0);
  const keys = [...new Set(withParams.flatMap((r) => Object.keys(r.params)))].sort();
  return keys.filter((k) => new Set(withParams.map((r) => JSON.stringify(r.params[k] ?? null))).size > 1);
}
