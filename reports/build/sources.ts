import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { usageError } from "../../lib/errors/index.ts";
import type { Logger } from "../../lib/log/index.ts";
import { readAggregate } from "../inputs/aggregate.ts";
import { readCvSummary } from "../inputs/cv.ts";
import { readHpoStudy } from "../inputs/hpo.ts";
import { readRun, type RunData } from "../inputs/run.ts";
import { readPlan, readVariance } from "../../lib/variance/index.ts";
import { runKey } from "./per-run.ts";
import type { ReportSources } from "./types.ts";

/** Where the report's inputs are (paths as the user gave them). */
export interface SourcePaths {
  runs: readonly string[];
  aggregate: string | null;
  /** aggregate.json of the held-out test part (`aggregate --part test`), or null. */
  testAggregate?: string | null;
  cv: string | null;
  hpo: string | null;
  /** variance.json of a variance study, plan.json of plan-seeds (optional). */
  variance?: string | null;
  plan?: string | null;
}

/**
 * Reads and validates every input. Without `runs`, the runs listed in `aggregate.json` are used.
 * Runs are sorted by seed, then fold; two runs with the same seed and fold would write the same
 * figure files, so that is an error naming both. A run missing from the aggregate (or the other
 * way round) is a warning: the tables then do not describe the figures.
 */
export function loadSources(paths: SourcePaths, log: Pick<Logger, "warn">): ReportSources {
  const aggregate = paths.aggregate === null ? null : { path: paths.aggregate, data: readAggregate(paths.aggregate) };
  let runDirs = [...paths.runs];
  if (runDirs.length === 0 && aggregate) {
    runDirs = aggregate.data.runs.map((r) => r.dir).filter((dir) => {
      if (existsSync(dir)) return true;
      log.warn(`run directory listed in ${aggregate.path} not found, no figures for it: ${dir}`);
      return false;
    });
  }
  const runs = runDirs.map(readRun).sort((a, b) => a.seed - b.seed || (a.fold ?? 0) - (b.fold ?? 0) || (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0));
  const seen = new Map<string, RunData>();
  for (const run of runs) {
    const other = seen.get(runKey(run));
    if (other) throw usageError("duplicate_run", `two runs with seed ${run.seed}${run.fold === null ? "" : ` fold ${run.fold}`} would write the same figures: ${other.dir} and ${run.dir}`);
    seen.set(runKey(run), run);
  }
  if (aggregate && paths.runs.length > 0) {
    const inAggregate = new Set(aggregate.data.runs.map((r) => resolve(r.dir)));
    const given = new Set(runs.map((r) => resolve(r.dir)));
    for (const run of runs) if (!inAggregate.has(resolve(run.dir))) log.warn(`run ${run.dir} is not in ${aggregate.path}: the tables do not include it`);
    for (const r of aggregate.data.runs) if (!given.has(resolve(r.dir))) log.warn(`run ${r.dir} of ${aggregate.path} was not given with --run: the tables include it, the figures do not`);
  }
  const cv = paths.cv === null ? null : { dir: paths.cv, summary: readCvSummary(paths.cv) };
  const hpo = paths.hpo === null ? null : readHpoStudy(paths.hpo);
  const testAggregate = paths.testAggregate ? { path: paths.testAggregate, data: readAggregate(paths.testAggregate) } : null;
  if (testAggregate && testAggregate.data.part !== "test") {
    throw usageError("bad_artifact", `--test-aggregate ${testAggregate.path} is not of the test part (part: ${testAggregate.data.part ?? "val"}); make it with aggregate --part test`);
  }
  if (aggregate?.data.part === "test") throw usageError("bad_artifact", `--aggregate ${aggregate.path} is of the test part: pass it as --test-aggregate`);
  const variance = paths.variance ? { path: paths.variance, data: readVariance(paths.variance) } : null;
  const plan = paths.plan ? { path: paths.plan, data: readPlan(paths.plan) } : null;
  return { runs, aggregate, testAggregate, cv, hpo, variance, plan };
}
