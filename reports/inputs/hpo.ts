import { existsSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { z } from "zod";
import { readJson } from "../../lib/artifacts/index.ts";
import { usageError } from "../../lib/errors/index.ts";
import { paramDistribution, Study, type ParamDistribution } from "../../lib/hpo/index.ts";

/** One HPO trial as the report shows it. */
export interface HpoTrial {
  /** Optuna's trial number (or the id the summary gives). */
  trialId: number;
  /** Objective value; null for a trial that failed or was pruned. */
  objective: number | null;
  state: string;
  /** Where the trial was read from (relative to the HPO directory). */
  source: string;
  /** The sampled hyperparameters (empty when the source does not record them). */
  params: Record<string, string | number | boolean>;
}

/** The trials of one HPO study, sorted by trial id. */
export interface HpoStudy {
  dir: string;
  direction: "maximize" | "minimize";
  /** What the objective measures, when the summary says (e.g. "kappa_quadratic"). */
  objectiveName: string | null;
  trials: HpoTrial[];
  /** Which file(s) the trials came from: the study database, a summary file, or the trial directories. */
  readFrom: "study.sqlite" | (typeof SUMMARY_FILES)[number] | "optuna_trial.json";
  /** The search space's distributions by parameter, when known (log scales, categorical choices). */
  space: Record<string, ParamDistribution>;
}

/** Summary files at the top of an HPO directory, in the order they are looked for. */
const SUMMARY_FILES = ["hpo_summary.json", "trials.json", "study.json"] as const;

/** A trial id: a number, or a string ending in one (`12`, `trial_0012`). */
const trialIdSchema = z.union([z.number().int().nonnegative(), z.string().regex(/\d+$/, "a trial id ending in a number")]);
const trialNumber = (id: number | string) => (typeof id === "number" ? id : Number(/(\d+)$/.exec(id)?.[1]));

/** `optuna_trial.json`, written into each trial's run directory. */
const optunaTrialSchema = z.looseObject({
  trial_id: trialIdSchema,
  timestamp: z.string().optional(),
  objective: z.number().nullable(),
  metrics: z.record(z.string(), z.unknown()).optional(),
});

const paramsSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));
const summaryTrialSchema = z.looseObject({
  params: paramsSchema.optional(),
  trial_id: trialIdSchema.optional(),
  number: z.number().int().optional(),
  objective: z.number().nullable().optional(),
  value: z.number().nullable().optional(),
  state: z.string().optional(),
});
const trialsArray = z.array(summaryTrialSchema);
/**
 * A summary at the HPO directory's top: the hpo task's `hpo_summary.json` (`{objective, direction,
 * trials: [{number, state, value}]}`), or a `trials.json` / `study.json` holding either that
 * shape (with `trial_id`/`objective` accepted for `number`/`value`) or a bare array of trials.
 */
const studySummarySchema = z.union([
  trialsArray,
  z.looseObject({
    study: z.string().optional(),
    database: z.string().optional(),
    direction: z.enum(["maximize", "minimize"]).optional(),
    objective: z.string().optional(),
    metric: z.string().optional(),
    trials: trialsArray,
  }),
]);

/** How deep below the HPO directory trial run directories are searched for `optuna_trial.json`. */
const MAX_DEPTH = 4;

/**
 * Reads an HPO directory. The hpo task's study database (`study.sqlite`, the study named in
 * `hpo_summary.json`, default "density") wins: it is the live record, read through
 * lib/hpo's `Study`, with every trial's params and the search space. Else a summary at its top (`hpo_summary.json`, else `trials.json`, else
 * `study.json`) wins: it also lists trials that failed or were pruned before writing anything.
 * Without one, every `optuna_trial.json` found up to four levels down is a trial (one with
 * `objective: null` counts as failed). The direction is "maximize" unless the summary says
 * otherwise.
 */
export function readHpoStudy(dir: string): HpoStudy {
  if (!existsSync(dir)) throw usageError("missing_hpo", `HPO directory not found: ${dir}`);
  const fromDb = readStudyDatabase(dir);
  if (fromDb) return fromDb;
  for (const name of SUMMARY_FILES) {
    const path = join(dir, name);
    if (!existsSync(path)) continue;
    const parsed = readJson(path, studySummarySchema, "HPO study summary");
    const list = Array.isArray(parsed) ? parsed : parsed.trials;
    const trials = list.map((t, i): HpoTrial => {
      const id = t.trial_id ?? t.number;
      if (id === undefined) throw usageError("bad_artifact", `${path}: trial ${i} has neither trial_id nor number`);
      const objective = t.objective ?? t.value ?? null;
      return { trialId: trialNumber(id), objective, state: t.state ?? (objective === null ? "failed" : "complete"), source: name, params: t.params ?? {} };
    });
    const meta: { direction?: "maximize" | "minimize"; objective?: string; metric?: string } = Array.isArray(parsed) ? {} : parsed;
    return { dir, direction: meta.direction ?? "maximize", objectiveName: meta.objective ?? meta.metric ?? null, trials: sortTrials(trials), readFrom: name, space: {} };
  }
  const trials = findTrialFiles(dir, 0).map((path): HpoTrial => {
    const t = readJson(path, optunaTrialSchema, "HPO trial");
    return { trialId: trialNumber(t.trial_id), objective: t.objective, state: t.objective === null ? "failed" : "complete", source: relative(dir, path), params: {} };
  });
  if (trials.length === 0) throw usageError("empty_hpo", `no trials in ${dir}: no ${SUMMARY_FILES.join(", ")} and no optuna_trial.json (searched ${MAX_DEPTH} levels down)`);
  return { dir, direction: "maximize", objectiveName: null, trials: sortTrials(trials), readFrom: "optuna_trial.json", space: {} };
}

function sortTrials(trials: HpoTrial[]): HpoTrial[] {
  return trials.sort((a, b) => a.trialId - b.trialId || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
}

function findTrialFiles(dir: string, depth: number): string[] {
  const found: string[] = [];
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.isFile() && entry.name === "optuna_trial.json") found.push(join(dir, entry.name));
    else if (entry.isDirectory() && depth < MAX_DEPTH) found.push(...findTrialFiles(join(dir, entry.name), depth + 1));
  }
  return found;
}

/** The best objective so far after each trial (failed trials carry the previous best). */
export function bestSoFar(study: HpoStudy): (number | null)[] {
  let best: number | null = null;
  return study.trials.map((t) => {
    if (t.objective !== null && (best === null || (study.direction === "maximize" ? t.objective > best : t.objective < best))) best = t.objective;
    return best;
  });
}

/** The study name `hpo_summary.json` records (the hpo task's default when there is none). */
function studyName(dir: string): string {
  const summary = join(dir, "hpo_summary.json");
  if (!existsSync(summary)) return "density";
  const parsed = readJson(summary, z.looseObject({ study: z.string().optional() }), "HPO study summary");
  return parsed.study ?? "density";
}

/** The trials in `<dir>/study.sqlite`, or null when there is no database. */
function readStudyDatabase(dir: string): HpoStudy | null {
  const path = join(dir, "study.sqlite");
  if (!existsSync(path)) return null;
  const study = Study.attach(path, studyName(dir));
  try {
    const trials = study.trials().map((t): HpoTrial => ({ trialId: t.number, objective: t.state === "complete" ? t.value : null, state: t.state, source: "study.sqlite", params: t.params }));
    const space: Record<string, ParamDistribution> = {};
    const parsed = z.looseObject({ params: z.record(z.string(), z.unknown()).optional() }).safeParse(JSON.parse(study.config.space));
    for (const [name, d] of Object.entries(parsed.success ? (parsed.data.params ?? {}) : {})) {
      const dist = paramDistribution.safeParse(d);
      if (dist.success) space[name] = dist.data;
    }
    return { dir, direction: study.config.direction, objectiveName: study.config.objective, trials: sortTrials(trials), readFrom: "study.sqlite", space };
  } finally {
    study.close();
  }
}
