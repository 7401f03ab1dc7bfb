import { join, resolve } from "node:path";
import { z } from "zod";
import { METRIC_NAMES, describeSkipped, discoverRuns, type SkippedRun } from "../lib/aggregate/index.ts";
import { TaskError, usageError } from "../lib/errors/index.ts";
import { buildGraph, readExperiment, resolveNodes, runGraph, type GraphNode, type PipelineNode } from "../lib/pipeline/index.ts";
import { quietProgress } from "../lib/progress/index.ts";
import { defineTask, type TaskContext } from "../lib/task/index.ts";
import { DESIGNS, analyseStudy, decompositionLines, readStudyRun, readVariance, resolveStudy, varianceJson, type StudyInput } from "../lib/variance/index.ts";

const ROOT = resolve(import.meta.dir, "..");

/** Coverage of every interval in variance.json. */
const CONFIDENCE = 0.95;

/** Metrics printed at the end (variance.json has every metric the aggregate knows). */
const SHOWN = ["kappa_quadratic", "accuracy", "macro_f1", "auc_ovr"] as const;

const params = z.object({
  experiment: z.string().optional().describe("experiment file whose dataset and training params the study's runs use; the runs are pipeline nodes (cached, resumable, --jobs)"),
  set: z.array(z.string()).default([]).describe("override a field of the experiment file: key.path=value (as the pipeline task)"),
  design: z.enum(DESIGNS).optional().describe("none (n identical runs: the control), one-at-a-time (n runs per source, the others at the base seed), all (n seeds, every source varies), crossed (two sources, n × m runs); default: the experiment's variance block"),
  n: z.number().int().min(2).optional().describe("runs per source (one-at-a-time), in all (none, all), or levels of the first source (crossed)"),
  m: z.number().int().min(2).optional().describe("crossed: levels of the second source (default --n)"),
  sources: z.string().optional().describe("comma list of sources to vary: split, init, order, augment, dropout (one-at-a-time: default all; crossed: exactly two, default split,init)"),
  baseSeed: z.number().int().nonnegative().optional().describe("seed of the sources not varied, and the first level (default: the experiment's first seed; with --run, the smallest run seed)"),
  run: z.array(z.string()).default([]).describe("analyse these finished runs instead of running a study (a run directory, an outdir of results*, globs; repeat the flag)"),
  outdir: z.string().optional().describe("directory for variance.json (default: the experiment's variance block outdir for its design, else <experiment outdir>/variance/<design>; with --run: outputs/variance)"),
  bootstrap: z.number().int().nonnegative().optional().describe("patient-bootstrap resamples per run for the evaluation noise (default 200; 0: not estimated)"),
  jobs: z.number().int().positive().default(1).describe("study runs trained at the same time (one process each)"),
  dryRun: z.boolean().default(false).describe("print the study's runs (each cached or to run) and run nothing"),
});
type Params = z.infer<typeof params>;

/** The study in the experiment file, with the flags given here over it. */
function studyInput(p: Params, fromFile: StudyInput | null): StudyInput {
  const design = p.design ?? fromFile?.design;
  const n = p.n ?? fromFile?.n;
  if (design === undefined) throw usageError("missing_design", "missing --design (none, one-at-a-time, all or crossed), and the experiment file has no variance block");
  if (n === undefined) throw usageError("missing_n", `missing --n (runs per ${design === "one-at-a-time" ? "source" : "study"}), and the experiment file has no variance block`);
  const sameDesign = fromFile?.design === design;
  const pick = <K extends keyof StudyInput>(key: K, flag: StudyInput[K] | undefined): Partial<StudyInput> => {
    // m, sources and outdir describe the file's study; a study of another design does not inherit them.
    const value = flag ?? (sameDesign || key === "baseSeed" || key === "bootstrap" ? fromFile?.[key] : undefined);
    return value === undefined ? {} : { [key]: value };
  };
  return { design, n, ...pick("m", p.m), ...pick("sources", p.sources), ...pick("baseSeed", p.baseSeed), ...pick("bootstrap", p.bootstrap), ...pick("outdir", p.outdir) };
}

/** `node` and every node it depends on, in graph order. */
function closure(nodes: readonly GraphNode[], id: string): GraphNode[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const keep = new Set<string>();
  const visit = (x: string) => {
    if (keep.has(x)) return;
    keep.add(x);
    for (const d of byId.get(x)?.deps ?? []) visit(d);
  };
  visit(id);
  return nodes.filter((n) => keep.has(n.id));
}

/** Runs the study's part of the experiment graph; the `variance` node writes variance.json. */
async function runStudy(p: Params, ctx: TaskContext): Promise<{ path: string; ran: number; cached: number }> {
  const experiment = readExperiment(p.experiment as string, p.set);
  const input = studyInput(p, experiment.variance);
  resolveStudy(input, experiment.seeds[0] as number); // refuses bad combinations before anything runs
  const nodes = await resolveNodes(closure(buildGraph({ ...experiment, variance: input }), "variance"), ROOT);
  const outdir = experiment.outdir ?? join("outputs", "experiments", experiment.name);
  const stateDir = join(outdir, ".pipeline");
  const trains = nodes.filter((n) => n.task === "train").length;
  ctx.log.info(`variance study ${input.design} (n ${input.n}) on ${p.experiment}: ${trains} training runs, ${nodes.length} nodes, state in ${stateDir}${p.dryRun ? " (dry run)" : ""}`);
  const outcomes = await runGraph(nodes, {
    root: ROOT,
    stateDir,
    jobs: p.jobs,
    dryRun: p.dryRun,
    log: p.dryRun ? { ...ctx.log, info: ctx.log.debug } : ctx.log,
    progress: p.dryRun ? quietProgress : ctx.progress,
    now: () => ctx.clock.now(),
  });
  if (p.dryRun) for (const o of outcomes) ctx.log.info(`${(o.status === "cached" ? "cached" : "to run").padEnd(7)} ${o.id}`);
  const failed = outcomes.filter((o) => o.status === "failed" || o.status === "skipped");
  if (failed.length) throw new TaskError("study_failed", `variance study: ${failed.map((f) => `${f.id} ${f.status}${f.error ? ` (${f.error})` : ""}`).join("; ")}`);
  const analysis = nodes.find((n) => n.id === "variance") as PipelineNode;
  const count = (status: string) => outcomes.filter((o) => o.status === status && o.id !== "variance").length;
  return { path: analysis.outputs[0] as string, ran: count("ran"), cached: count("cached") };
}

/** Analyses finished runs into `<outdir>/variance.json` (what the study's `variance` node runs). */
function analyse(p: Params, ctx: TaskContext): string {
  const skipped: SkippedRun[] = [];
  const locations = discoverRuns(p.run, "--run", skipped);
  if (skipped.length) ctx.log.warn(describeSkipped(skipped));
  const runs = locations.map((l) => readStudyRun(l.dir));
  const input = studyInput(p, null);
  const study = resolveStudy(input, Math.min(...runs.map((r) => r.seed)));
  const { body, inputs } = analyseStudy(study, runs, CONFIDENCE);
  const path = join(p.outdir ?? join("outputs", "variance"), "variance.json");
  ctx.artifacts.writeJson(varianceJson, path, body, [...new Set(inputs)]);
  if (body.control) {
    (body.control.bit_identical ? ctx.log.info : ctx.log.warn)(`control: ${body.control.verdict}`);
    if (!body.control.bit_identical && body.control.deterministic_backend) {
      throw new TaskError("not_reproducible", `${body.control.verdict} (see ${path})`);
    }
  }
  return path;
}

export default defineTask({
  name: "variance",
  description: "Where the variance comes from: runs varying one source of randomness at a time (or all, crossed, none) and each source's variance with its interval",
  params,
  // With --experiment, the study's nodes (synth, audit, split, train) run as child processes.
  uses: ["synth", "audit", "split", "train"],
  outputs: (p) => [join(p.outdir ?? join("outputs", "variance"), "variance.json")],
  examples: [
    "bun run task variance --experiment experiments/variance.json --design one-at-a-time --n 4 --outdir outputs/variance --jobs 2",
    "bun run task variance --experiment experiments/variance.json --design crossed --sources split,init --n 3 --m 3",
    "bun run task variance --experiment experiments/variance.json --design none --n 3 --set train.backend=wasm",
    "bun run task variance --run 'outputs/study/*/results' --design one-at-a-time --n 4 --outdir outputs/variance",
  ],
  async run(p, ctx) {
    if ((p.experiment === undefined) === (p.run.length === 0)) {
      throw usageError("bad_value", p.experiment === undefined ? "nothing to study: give --experiment E.json (run a study) or --run DIR (analyse runs)" : "give --experiment (run a study) or --run (analyse runs), not both");
    }
    const nodes = p.experiment !== undefined ? await runStudy(p, ctx) : { path: analyse(p, ctx), ran: 0, cached: 0 };
    const path = nodes.path;
    if (p.dryRun) return { path };
    const study = readVariance(path);
    ctx.log.info(`${study.design} design, ${study.runs.length} runs, backend ${study.backend}; σ per source (interval of σ at ${Math.round(study.confidence * 100)} %):`);
    for (const metric of SHOWN) {
      const d = study.metrics[metric];
      if (d) for (const line of decompositionLines(metric, d, study.confidence)) ctx.log.info(line);
    }
    if (study.control) ctx.log.info(`control: ${study.control.verdict}`);
    // `ran` / `cached`: the study's other nodes (training runs, splits, data) run or taken from the cache this time.
    return { path, design: study.design, runs: study.runs.length, metrics: METRIC_NAMES.length, ran: nodes.ran, cached: nodes.cached };
  },
});
