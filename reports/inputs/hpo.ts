import { existsSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { z } from "zod";
import { readJson } from "../../lib/artifacts/index.ts";
import { usageError } from "../../lib/errors/index.ts";

/** One HPO trial as the report shows it. */
export interface HpoTrial {
  /** Optuna's trial number (or the id the summary gives). */
  trialId: number;
  /** Objective value; null for a trial that failed or was pruned. */
  objective: number | null;
  state: string;
  /** Where the trial was read from (relative to the HPO directory). */
  source: string;
}

/** The trials of one HPO study, sorted by trial id. */
export interface HpoStudy {
  dir: string;
  direction: "maximize" | "minimize";
  /** What the objective measures, when the summary says (e.g. "kappa_quadratic"). */
  objectiveName: string | null;
  trials: HpoTrial[];
  /** Which file(s) the trials came from: a summary file, or the trial directories. */
  readFrom: (typeof SUMMARY_FILES)[number] | "optuna_trial.json";
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

const summaryTrialSchema = z.looseObject({
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
    direction: z.enum(["maximize", "minimize"]).optional(),
    objective: z.string().optional(),
    metric: z.string().optional(),
    trials: trialsArray,
  }),
]);

/** How deep below the HPO directory trial run directories are searched for `optuna_trial.json`. */
const MAX_DEPTH = 4;

/**
 * Reads an HPO directory. A summary at its top (`hpo_summary.json`, else `trials.json`, else
 * `study.json`) wins: it also lists trials that failed or were pruned before writing anything.
 * Without one, every `optuna_trial.json` found up to four levels down is a trial (one with
 * `objective: null` counts as failed). The direction is "maximize" unless the summary says
 * otherwise.
 */
export function readHpoStudy(dir: string): HpoStudy {
  if (!existsSync(dir)) throw usageError("missing_hpo", `HPO directory not found: ${dir}`);
  for (const name of SUMMARY_FILES) {
    const path = join(dir, name);
    if (!existsSync(path)) continue;
    const parsed = readJson(path, studySummarySchema, "HPO study summary");
    const list = Array.isArray(parsed) ? parsed : parsed.trials;
    const trials = list.map((t, i): HpoTrial => {
      const id = t.trial_id ?? t.number;
      if (id === undefined) throw usageError("bad_artifact", `${path}: trial ${i} has neither trial_id nor number`);
      const objective = t.objective ?? t.value ?? null;
      return { trialId: trialNumber(id), objective, state: t.state ?? (objective === null ? "failed" : "complete"), source: name };
    });
    const meta: { direction?: "maximize" | "minimize"; objective?: string; metric?: string } = Array.isArray(parsed) ? {} : parsed;
    return { dir, direction: meta.direction ?? "maximize", objectiveName: meta.objective ?? meta.metric ?? null, trials: sortTrials(trials), readFrom: name };
  }
  const trials = findTrialFiles(dir, 0).map((path): HpoTrial => {
    const t = readJson(path, optunaTrialSchema, "HPO trial");
    return { trialId: trialNumber(t.trial_id), objective: t.objective, state: t.objective === null ? "failed" : "complete", source: relative(dir, path) };
  });
  if (trials.length === 0) throw usageError("empty_hpo", `no trials in ${dir}: no ${SUMMARY_FILES.join(", ")} and no optuna_trial.json (searched ${MAX_DEPTH} levels down)`);
  return { dir, direction: "maximize", objectiveName: null, trials: sortTrials(trials), readFrom: "optuna_trial.json" };
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
