import { existsSync, readdirSync, realpathSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { usageError } from "../errors/index.ts";
import { runState } from "../runs/index.ts";

/** A run directory found under a `--run` / `--compare` argument. */
export interface RunLocation {
  /** The directory holding `summary.json`. */
  dir: string;
  /** The cross-validation directory (with `cv_summary.json`) it belongs to, or null. */
  cvDir: string | null;
}

const GLOB_CHARS = /[*?[\]{}]/;
const RESULTS_DIR = /^results(_\d+)?$/;
const FOLD_DIR = /^fold_\d+$/;

/** Paths matched by `pattern` (expanded with Bun.Glob when it has glob characters), sorted. */
export function expandPattern(pattern: string, flag: string): string[] {
  if (!GLOB_CHARS.test(pattern)) return [pattern];
  const matches = [...new Bun.Glob(pattern.replace(/^\.\//, "")).scanSync({ onlyFiles: false })].filter(isDir).sort();
  if (!matches.length) throw usageError("no_runs", `${flag} ${pattern}: the pattern matches no directory`);
  return matches;
}

function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/** A run directory that did not finish (failed, or started and never finished), left out of the analysis. */
export interface SkippedRun {
  dir: string;
  state: "failed" | "incomplete";
  error?: string;
}

/** The `results*` directories under `dir` in run order, the unfinished ones set aside in `skipped`. */
function resultsDirs(dir: string, skipped: SkippedRun[]): string[] {
  const dirs = readdirSync(dir)
    .filter((name) => RESULTS_DIR.test(name) && isDir(join(dir, name)))
    .sort((a, b) => runIndex(a) - runIndex(b))
    .map((name) => join(dir, name));
  return dirs.filter((d) => finishedOrSkipped(d, skipped));
}

function finishedOrSkipped(dir: string, skipped: SkippedRun[]): boolean {
  const { state, error } = runState(dir);
  if (state === "finished") return true;
  skipped.push({ dir, state, ...(error === undefined ? {} : { error }) });
  return false;
}

/** One line naming every skipped run, for a task's warning. */
export function describeSkipped(skipped: readonly SkippedRun[]): string {
  const each = skipped.map((s) => `${s.dir} (${s.state === "failed" ? `failed: ${s.error ?? "no error recorded"}` : "incomplete: no summary.json"})`);
  return `skipping ${skipped.length} run${skipped.length === 1 ? "" : "s"} that did not finish: ${each.join("; ")}`;
}

/** `results` → 0, `results_7` → 7, so results_10 sorts after results_9. */
function runIndex(name: string): number {
  const m = /_(\d+)$/.exec(name);
  return m ? Number(m[1]) : 0;
}

/**
 * The run directories under `path`, which is one of:
 * a run directory (has `summary.json`); a CV directory (has `cv_summary.json`; runs are
 * `fold_k/results*`); or an outdir holding `results*` run directories.
 */
export function runsUnder(path: string, flag: string, skipped: SkippedRun[] = []): RunLocation[] {
  if (!isDir(path)) throw usageError("no_runs", `${flag} ${path}: no such directory`);
  if (existsSync(join(path, "summary.json"))) return [{ dir: path, cvDir: null }];
  // A results* directory of a run that failed or never finished (what `--run 'out/results*'` meets).
  if (RESULTS_DIR.test(basename(path)) && runState(path).state !== "finished" && !existsSync(join(path, "cv_summary.json"))) {
    finishedOrSkipped(path, skipped);
    return [];
  }
  if (existsSync(join(path, "cv_summary.json"))) {
    const folds = readdirSync(path)
      .filter((name) => FOLD_DIR.test(name) && isDir(join(path, name)))
      .sort((a, b) => runIndex(a) - runIndex(b));
    const runs = folds.flatMap((fold) => resultsDirs(join(path, fold), skipped).map((dir) => ({ dir, cvDir: path })));
    if (!runs.length) throw usageError("no_runs", `${flag} ${path}: cv_summary.json but no fold_k/results*/summary.json`);
    return runs;
  }
  const runs = resultsDirs(path, skipped).map((dir) => ({ dir, cvDir: null }));
  if (!runs.length && !skipped.length) {
    throw usageError("no_runs", `${flag} ${path}: not a run directory (no summary.json, no cv_summary.json, no results*/summary.json)`);
  }
  return runs;
}

/**
 * Every finished run under the given patterns, each directory once (by real path), in the order
 * found; runs that failed or never finished go to `skipped`. No finished run at all is an error.
 */
export function discoverRuns(patterns: readonly string[], flag: string, skipped: SkippedRun[] = []): RunLocation[] {
  const seen = new Set<string>();
  const out: RunLocation[] = [];
  for (const pattern of patterns) {
    for (const path of expandPattern(pattern, flag)) {
      for (const run of runsUnder(path, flag, skipped)) {
        const real = realpathSync(run.dir);
        if (seen.has(real)) continue;
        seen.add(real);
        out.push(run);
      }
    }
  }
  if (!out.length && skipped.length) throw usageError("no_runs", `${flag} ${patterns.join(" ")}: no finished run; ${describeSkipped(skipped)}`);
  return out;
}
