import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { pickMetrics } from "../lib/aggregate/index.ts";
import { canonicalJson, defineArtifact, enveloped, readJson } from "../lib/artifacts/index.ts";
import { usageError } from "../lib/errors/index.ts";
import { inWaves, localTrialLauncher, randomSample, readSearchSpace, shouldPrune, Study, tpeSample, trialProcessRecord, watchTrial, type SearchSpace, type TrialLauncher, type TrialParams, type TrialProcessResult, type TrialRecord } from "../lib/hpo/index.ts";
import { slurmTrialLauncher } from "../lib/pipeline/slurm/index.ts";
import { valMetricsSchema } from "../lib/metrics/index.ts";
import { stream } from "../lib/rng/index.ts";
import { stopOrphan } from "../lib/runs/orphans.ts";
import { mean } from "../lib/stats/index.ts";
import { defineTask, type TaskContext } from "../lib/task/index.ts";
import { checkTrainParams, trainParams } from "../lib/train/params.ts";

const ROOT = resolve(import.meta.dir, "..");

/** The objective of a finished run, read from its best-epoch metrics. */
function objectiveOf(runDir: string, objective: SearchSpace["objective"]): number | null {
  return pickMetrics(readJson(join(runDir, "metrics", "val_metrics.json"), valMetricsSchema, "trial metrics"))[objective];
}

const trialName = (n: number) => `trial_${String(n).padStart(4, "0")}`;
const eventFile = (outdir: string, name: string) => join(outdir, "events", `${name}.json`);

const trialParamsSchema = z.record(z.string(), z.union([z.number(), z.string(), z.boolean()]));

export const hpoSummaryJson = defineArtifact({
  name: "hpo_summary",
  path: "<outdir>/hpo_summary.json",
  format: "json",
  schema: enveloped(
    z.object({
      study: z.string(),
      /** The SQLite file holding the study. */
      database: z.string(),
      sampler: z.enum(["random", "tpe"]),
      seed: z.number().int(),
      objective: z.string(),
      direction: z.enum(["maximize", "minimize"]),
      evaluation: z.string(),
      n_trials: z.number().int(),
      trials: z.array(
        z.object({ number: z.number().int(), name: z.string(), params: trialParamsSchema, state: z.string(), value: z.number().nullable(), run_dir: z.string().nullable(), error: z.string().nullable() }),
      ),
      best: z.object({ number: z.number().int(), params: trialParamsSchema, value: z.number(), run_dir: z.string().nullable() }).nullable(),
      /** With --promote: the best trials re-run over seeds, ranked by their mean. */
      promoted: z.array(
        z.object({
          trial: z.number().int(),
          params: trialParamsSchema,
          runs: z.array(z.object({ seed: z.number().int(), runDir: z.string(), value: z.number().nullable(), error: z.string().optional() })),
          mean: z.number().nullable(),
        }),
      ),
    }),
  ),
  enveloped: true,
  writer: "tasks/hpo.ts",
  readers: ["reports/inputs/hpo.ts"],
  description: "A hyperparameter study: its sampler, seed and objective, every trial (params, state, value, run directory, error), the best trial, and with --promote the best trials re-run over seeds.",
  version: 1,
});

export default defineTask({
  name: "hpo",
  description: "Hyperparameter search (random or TPE, seeded) with a median pruner; study state in SQLite so a killed study resumes",
  params: trainParams.omit({ runDir: true, resume: true, outdir: true, optunaTrialId: true, rayTrialName: true, rayLogdir: true, fold: true }).extend({
    space: z.string().describe("search-space file (JSON: params{name: {type: float|int|categorical, low, high, log, step, choices}}, fixed, objective, direction)"),
    nTrials: z.number().int().positive().default(20).describe("trials in the study (a resumed study runs only the missing ones)"),
    timeout: z.number().positive().optional().describe("seconds after which no new trial starts"),
    workers: z.number().int().positive().default(1).describe("trials run at the same time, each in its own process (with --launcher slurm: its own job; trials that start together go in as one array job)"),
    sampler: z.enum(["random", "tpe"]).default("tpe").describe("random: trial i's params depend only on (seed, i); tpe: Tree-structured Parzen Estimator"),
    prune: z.boolean().default(true).describe("median pruner on the per-epoch validation objective"),
    study: z.string().default("density").describe("study name inside the SQLite file"),
    outdir: z.string().default("outputs/hpo").describe("study.sqlite, trials/trial_NNNN/results and hpo_summary.json go here"),
    promote: z.number().int().nonnegative().default(0).describe("re-run the best K configurations on --seeds and rank them by the mean"),
    seeds: z.array(z.number().int().nonnegative()).default([42, 43, 44]).describe("seeds for --promote"),
    launcher: z.enum(["local", "slurm"]).default("local").describe("where trials run: local child processes, or Slurm jobs (sbatch; the outdir must be on a shared file system; a trial warned of its time limit checkpoints, requeues and resumes)"),
    trialSbatch: z.array(z.string()).default([]).describe("with --launcher slurm: sbatch options of every trial job (--trial-sbatch=--gres=gpu:1 --trial-sbatch=--time=1:00:00; the warning before the limit is --signal=B:USR1@120 unless given)"),
  }),
  check: checkTrainParams,
  examples: ["bun run task hpo --space experiments/space.json --n-trials 20 --csv data/generated/synth/classificacao.csv --dicom-root data/generated/synth/archive --arch small-cnn --img-size 64 --epochs 5 --outdir outputs/hpo --workers 2"],
  // Trials run as `cli/main.ts train` processes, which no import statement shows.
  uses: ["train"],
  outputs: (p) => [join(p.outdir, "hpo_summary.json")],
  async run(params, ctx) {
    const { space: spacePath, nTrials, timeout, workers, sampler, prune, study: studyName, outdir, promote, seeds, launcher, trialSbatch, ...train } = params;
    const space = readSearchSpace(spacePath);
    checkSpace(space, spacePath);
    mkdirSync(join(outdir, "events"), { recursive: true });
    mkdirSync(join(outdir, "logs"), { recursive: true });
    const dbPath = join(outdir, "study.sqlite");
    const study = Study.open(dbPath, { name: studyName, sampler, seed: train.seed, direction: space.direction, objective: space.objective, space: canonicalJson(space) }, ctx.clock.now());
    const stale = study.releaseStale();
    if (stale.length) ctx.log.warn(`trials ${stale.join(", ")} were interrupted; running them again`);
    const run: StudyRun = {
      space,
      train,
      outdir,
      study,
      ctx,
      prune,
      sign: space.direction === "maximize" ? 1 : -1,
      launcher: launcher === "slurm" ? slurmTrialLauncher({ root: ROOT, outdir, sbatch: trialSbatch, log: ctx.log }) : localTrialLauncher(ROOT),
    };
    await run.launcher.stopLeftovers();
    await runTrials(run, { nTrials, timeout, workers, sampler });
    const trials = study.trials();
    const complete = trials.filter((t): t is TrialRecord & { value: number } => t.state === "complete" && t.value !== null).sort((a, b) => run.sign * (b.value - a.value) || a.number - b.number);
    const best = complete[0] ?? null;
    const promoted = await promoteBest(run, complete.slice(0, promote), seeds, workers);
    study.close();
    const path = join(outdir, "hpo_summary.json");
    ctx.artifacts.writeJson(hpoSummaryJson, path, {
      study: studyName,
      database: dbPath,
      sampler,
      seed: train.seed,
      objective: space.objective,
      direction: space.direction,
      // What the values may claim: each is chosen on the data it is measured on.
      evaluation: "trial values are the objective on the validation part, on which each trial's best epoch and the best trial were chosen: optimistic for the chosen configuration; measure it on a held-out test part (split --test-frac) or with predict",
      n_trials: nTrials,
      trials: trials.map((t) => ({ number: t.number, name: trialName(t.number), params: t.params, state: t.state, value: t.value, run_dir: t.runDir, error: t.error })),
      best: best ? { number: best.number, params: best.params, value: best.value, run_dir: best.runDir } : null,
      promoted,
    }, [spacePath]);
    const count = (s: string) => trials.filter((t) => t.state === s).length;
    ctx.log.info(`study ${studyName}: ${count("complete")} complete, ${count("pruned")} pruned, ${count("failed")} failed; best ${best ? `${trialName(best.number)} ${space.objective} = ${best.value.toFixed(4)}` : "none"}`);
    if (promoted.length) ctx.log.info(`promoted ranking (mean over seeds ${seeds.join(", ")}): ${promoted.map((p) => `${trialName(p.trial)} ${p.mean?.toFixed(4) ?? "n/a"}`).join(" > ")}`);
    return { path, best: best?.number ?? null };
  },
});

/** Every name of the space (searched or fixed) must be a train param. */
function checkSpace(space: SearchSpace, spacePath: string): void {
  const known = new Set(Object.keys(trainParams.shape));
  for (const name of [...Object.keys(space.params), ...Object.keys(space.fixed)]) {
    if (!known.has(name)) throw usageError("bad_space", `${spacePath}: ${name} is not a train param (expected one of ${[...known].join(", ")})`);
  }
}

/** What the steps of one study share. Only this process writes `study` (the SQLite database). */
interface StudyRun {
  space: SearchSpace;
  /** The train params every trial shares. */
  train: Record<string, unknown> & { seed: number };
  outdir: string;
  study: Study;
  ctx: TaskContext;
  prune: boolean;
  /** 1 to maximize the objective, -1 to minimize it. */
  sign: number;
  launcher: TrialLauncher;
}

/** Trial n's params: random draws depend only on (seed, n); TPE also on the trials complete so far. */
function nextParams(run: StudyRun, sampler: "random" | "tpe", n: number): TrialParams {
  const rng = stream(run.train.seed, `hpo/trial/${n}`);
  if (sampler === "random") return randomSample(run.space, rng);
  const history = run.study.trials().filter((t) => t.state === "complete" && t.value !== null).map((t) => ({ params: t.params, score: run.sign * (t.value as number) }));
  return tpeSample(run.space, history, rng);
}

/** One training of trial n's configuration, with the seed and run directory it runs with. */
interface PlannedRun {
  n: number;
  params: TrialParams;
  seed: number;
  runDir: string;
  name: string;
  /** Whether each epoch's objective goes to the study (and may prune the run): trials yes, promoted runs no. */
  withPruner: boolean;
}

/** Starts planned runs together (one Slurm array job) and watches each; resolves per run when it ends. */
function startRuns(run: StudyRun, planned: readonly PlannedRun[]): Promise<TrialProcessResult>[] {
  const { outdir, space, study } = run;
  const handles = run.launcher.start(
    planned.map((t) => ({
      name: t.name,
      params: { ...run.train, ...space.fixed, ...t.params, seed: t.seed, selectMetric: space.objective, runDir: t.runDir, optunaTrialId: String(t.n), rayTrialName: t.name },
      eventFile: eventFile(outdir, t.name),
      logFile: join(outdir, "logs", `${t.name}.log`),
    })),
  );
  return planned.map((t, k) =>
    watchTrial(handles[k] as (typeof handles)[number], {
      jsonl: join(t.runDir, `ray_${t.name}.jsonl`),
      objective: space.objective,
      onEpoch: (epoch, value) => {
        if (!t.withPruner) return false;
        study.report(t.n, epoch, value);
        return run.prune && shouldPrune(study, t.n, epoch, value);
      },
    }),
  );
}

/**
 * Runs the trials not in the database yet, `workers` at a time, until `nTrials` or the timeout.
 * Trials whose slots free up together start together (at the start, `workers` of them).
 */
async function runTrials(run: StudyRun, options: { nTrials: number; timeout?: number; workers: number; sampler: "random" | "tpe" }): Promise<void> {
  const { study, ctx, outdir } = run;
  const started = Date.now();
  const bar = ctx.progress("trials", options.nTrials);
  bar.update(study.trials().filter((t) => t.state !== "running").length);
  const doneNumbers = new Set(study.trials().map((t) => t.number));
  let n = 0;
  const next = async (): Promise<PlannedRun | undefined> => {
    for (; n < options.nTrials; n++) {
      if (doneNumbers.has(n)) continue;
      if (options.timeout !== undefined && (Date.now() - started) / 1000 > options.timeout) {
        ctx.log.warn(`--timeout ${options.timeout}s reached: no new trials after ${n}`);
        n = options.nTrials;
        return undefined;
      }
      const p = nextParams(run, options.sampler, n);
      if (!study.claim(n, p, ctx.clock.now())) continue;
      const name = trialName(n);
      // A trial interrupted by a killed study starts again from nothing, once the train process that
      // study left running (orphaned by kill -9, still writing into the trial) is stopped.
      const orphan = await stopOrphan(trialProcessRecord(eventFile(outdir, name)));
      if (orphan) ctx.log.warn(`${name}: stopped pid ${orphan.pid}, left running by the interrupted study`);
      rmSync(join(outdir, "trials", name), { recursive: true, force: true });
      ctx.log.info(`${name}: ${JSON.stringify(p)}`);
      return { n: n++, params: p, seed: run.train.seed, runDir: join(outdir, "trials", name, "results"), name, withPruner: true };
    }
    return undefined;
  };
  await inWaves(options.workers, next, (wave) =>
    startRuns(run, wave).map((result, k) => {
      const t = wave[k] as PlannedRun;
      return result.then((r) => {
        recordTrial(run, t, r);
        bar.increment(1, { trial: t.name });
      });
    }),
  );
  bar.stop();
}

/** Records how trial run `t` ended: pruned, failed (with its log) or complete (with its objective). */
function recordTrial(run: StudyRun, t: PlannedRun, r: TrialProcessResult): void {
  const { study, ctx, outdir, space } = run;
  const { n, name, runDir } = t;
  if (r.pruned) {
    study.finish(n, "pruned", { runDir, error: `pruned at epoch ${r.prunedAt}` }, ctx.clock.now());
    ctx.log.info(`${name}: pruned at epoch ${r.prunedAt}`);
  } else if (r.exitCode !== 0 || !existsSync(join(runDir, "summary.json"))) {
    const error = `train exited with code ${r.exitCode} (log: ${join(outdir, "logs", `${name}.log.err`)})`;
    study.finish(n, "failed", { runDir, error }, ctx.clock.now());
    ctx.log.error(`${name}: failed: ${error}`);
  } else {
    const value = objectiveOf(runDir, space.objective);
    study.finish(n, "complete", { runDir, value }, ctx.clock.now());
    ctx.log.info(`${name}: ${space.objective} = ${value?.toFixed(4) ?? "n/a"}`);
  }
}

type Promoted = { trial: number; params: TrialParams; runs: { seed: number; runDir: string; value: number | null; error?: string }[]; mean: number | null };

/**
 * Re-runs each of the best configurations on every seed (a finished run is kept; the missing ones
 * run `workers` at a time, started together where they can) and ranks them by the mean over seeds.
 */
async function promoteBest(run: StudyRun, best: readonly (TrialRecord & { value: number })[], seeds: readonly number[], workers: number): Promise<Promoted[]> {
  const { outdir, space, ctx } = run;
  const runDirOf = (trial: number, seed: number) => join(outdir, "promoted", trialName(trial), `seed_${seed}`, "results");
  const missing: PlannedRun[] = [];
  for (const t of best) {
    for (const seed of seeds) {
      const runDir = runDirOf(t.number, seed);
      if (existsSync(join(runDir, "summary.json"))) continue;
      rmSync(runDir, { recursive: true, force: true });
      missing.push({ n: t.number, params: t.params, seed, runDir, name: `${trialName(t.number)}_seed_${seed}`, withPruner: false });
    }
  }
  const exitCodes = new Map<string, number>();
  await inWaves(
    workers,
    async () => {
      const p = missing.shift();
      if (p) ctx.log.info(`promote ${trialName(p.n)}: seed ${p.seed}`);
      return p;
    },
    (wave) => startRuns(run, wave).map((result, k) => result.then((r) => void exitCodes.set((wave[k] as PlannedRun).runDir, r.exitCode))),
  );
  const promoted: Promoted[] = best.map((t) => {
    const runs: Promoted["runs"] = seeds.map((seed) => {
      const runDir = runDirOf(t.number, seed);
      const code = exitCodes.get(runDir) ?? 0;
      return code !== 0 ? { seed, runDir, value: null, error: `train exited with code ${code}` } : { seed, runDir, value: objectiveOf(runDir, space.objective) };
    });
    const values = runs.map((r) => r.value).filter((v): v is number => v !== null);
    return { trial: t.number, params: t.params, runs, mean: values.length ? mean(values) : null };
  });
  // Rank promoted configurations by their mean over seeds, not by one lucky run.
  const sign = run.sign;
  return promoted.sort((a, b) => sign * ((b.mean ?? -Infinity * sign) - (a.mean ?? -Infinity * sign)) || a.trial - b.trial);
}
