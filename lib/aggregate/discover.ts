import { existsSync, readdirSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import { usageError } from "../errors/index.ts";

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

function resultsDirs(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => RESULTS_DIR.test(name) && existsSync(join(dir, name, "summary.json")))
    .sort((a, b) => runIndex(a) - runIndex(b))
    .map((name) => join(dir, name));
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
export function runsUnder(path: string, flag: string): RunLocation[] {
  if (!isDir(path)) throw usageError("no_runs", `${flag} ${path}: no such directory`);
  if (existsSync(join(path, "summary.json"))) return [{ dir: path, cvDir: null }];
  if (existsSync(join(path, "cv_summary.json"))) {
    const folds = readdirSync(path)
      .filter((name) => FOLD_DIR.test(name) && isDir(join(path, name)))
      .sort((a, b) => runIndex(a) - runIndex(b));
    const runs = folds.flatMap((fold) => resultsDirs(join(path, fold)).map((dir) => ({ dir, cvDir: path })));
    if (!runs.length) throw usageError("no_runs", `${flag} ${path}: cv_summary.json but no fold_k/results*/summary.json`);
    return runs;
  }
  const runs = resultsDirs(path).map((dir) => ({ dir, cvDir: null }));
  if (!runs.length) {
    throw usageError("no_runs", `${flag} ${path}: not a run directory (no summary.json, no cv_summary.json, no results*/summary.json)`);
  }
  return runs;
}

/** Every run under the given patterns, each directory once (by real path), in the order found. */
export function discoverRuns(patterns: readonly string[], flag: string): RunLocation[] {
  const seen = new Set<string>();
  const out: RunLocation[] = [];
  for (const pattern of patterns) {
    for (const path of expandPattern(pattern, flag)) {
      for (const run of runsUnder(path, flag)) {
        const real = realpathSync(run.dir);
        if (seen.has(real)) continue;
        seen.add(real);
        out.push(run);
      }
    }
  }
  return out;
}
