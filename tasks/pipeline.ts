import { join, resolve } from "node:path";
import { z } from "zod";
import { TaskError } from "../lib/errors/index.ts";
import { buildGraph, readExperiment, resolveNodes, runGraph } from "../lib/pipeline/index.ts";
import type { NodeOutcome, PipelineNode } from "../lib/pipeline/index.ts";
import { SlurmExecutor } from "../lib/pipeline/slurm/index.ts";
import type { Logger } from "../lib/log/index.ts";
import { quietProgress } from "../lib/progress/index.ts";
import { defineTask } from "../lib/task/index.ts";

const ROOT = resolve(import.meta.dir, "..");

export default defineTask({
  name: "pipeline",
  description: "Run an experiment file's whole graph (data → split → train × seeds, cv → aggregate → report) with a content-addressed cache, locally or on Slurm",
  params: z.object({
    experiment: z.string().describe("experiment file (experiments/<name>.json)"),
    set: z.array(z.string()).default([]).describe("override a field of the experiment file: key.path=value (value parsed as JSON when it parses)"),
    executor: z.enum(["local", "slurm"]).default("local").describe("local: child processes on this machine; slurm: one sbatch job per node (the output directory must be on a file system the nodes share)"),
    jobs: z.number().int().positive().optional().describe("nodes run (or jobs queued) at the same time; default 1 locally, every ready node on Slurm"),
    gpuSlots: z.number().int().positive().default(1).describe("of those, nodes training on a GPU at the same time (backend gpu/webgpu, tensorflow with tfjs-node-gpu, or task train-gpu): one per GPU; on Slurm, the cluster allocates GPUs (--gres) and this is not used"),
    retries: z.number().int().nonnegative().default(0).describe("slurm: submit a failed job again up to N times (a training resumes from its checkpoint)"),
    detach: z.boolean().default(false).describe("slurm: on Ctrl-C / SIGTERM leave the submitted jobs running (a later run waits for them) instead of cancelling them"),
    dryRun: z.boolean().default(false).describe("print the plan (each node cached or to run) and run nothing"),
    explain: z.boolean().default(false).describe("say why each node runs: which param, input, code or package changed (with --executor slurm --dry-run: the sbatch command lines)"),
  }),
  positional: "experiment",
  examples: [
    "bun run task pipeline experiments/demo.json --dry-run --explain",
    "bun run task pipeline experiments/demo.json --jobs 2 --set train.epochs=5",
    "bun run task pipeline experiments/demo.json --executor slurm --retries 2",
  ],
  async run(params, ctx) {
    const experiment = readExperiment(params.experiment, params.set);
    const nodes = await resolveNodes(buildGraph(experiment), ROOT);
    const outdir = experiment.outdir ?? join("outputs", "experiments", experiment.name);
    const stateDir = join(outdir, ".pipeline");
    ctx.log.info(`pipeline ${experiment.name}: ${nodes.length} nodes, state in ${stateDir}${params.executor === "slurm" ? ", on Slurm" : ""}${params.dryRun ? " (dry run)" : ""}`);
    const slurm =
      params.executor === "slurm"
        ? new SlurmExecutor({ root: ROOT, stateDir, cwd: process.cwd(), block: experiment.slurm, retries: params.retries, log: ctx.log })
        : undefined;
    const stopOnSignal = slurm && !params.dryRun ? cancelOnSignal(slurm, params.detach, ctx.log) : undefined;
    let outcomes: NodeOutcome[];
    try {
      outcomes = await runGraph(nodes, {
        root: ROOT,
        stateDir,
        jobs: params.jobs ?? (slurm ? nodes.length : 1),
        gpuSlots: slurm ? nodes.length : params.gpuSlots,
        dryRun: params.dryRun,
        // A dry run prints only the plan below; a real run reports each node as it finishes.
        log: params.dryRun ? { ...ctx.log, info: ctx.log.debug } : ctx.log,
        progress: params.dryRun ? quietProgress : ctx.progress,
        now: () => ctx.clock.now(),
        ...(slurm ? { execute: slurm.execute } : {}),
      });
    } finally {
      stopOnSignal?.();
    }
    if (params.dryRun || params.explain) printPlan(outcomes, nodes, params.explain, ctx.log, slurm);
    const count = (s: string) => outcomes.filter((o) => o.status === s).length;
    ctx.log.info(`${count("cached")} cached, ${count("ran")} ran, ${count("planned")} to run, ${count("failed")} failed, ${count("skipped")} skipped`);
    const failed = outcomes.filter((o) => o.status === "failed");
    if (failed.length) {
      throw new TaskError("pipeline_failed", `pipeline ${experiment.name}: ${failed.map((f) => `${f.id} failed (${f.error})`).join("; ")}`);
    }
    return { path: outdir, outcomes };
  },
});

/** Each node's verdict; with `explain`, why it runs and (on Slurm, in a dry run) the sbatch command line. */
function printPlan(outcomes: readonly NodeOutcome[], nodes: readonly PipelineNode[], explain: boolean, log: Logger, slurm: SlurmExecutor | undefined): void {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  for (const o of outcomes) {
    const verdict = o.status === "cached" ? "cached" : o.status === "planned" ? "to run" : o.status;
    const lines = explain ? [...o.reasons] : [];
    if (explain && slurm && o.status === "planned" && o.key) {
      // The key of a node downstream of one that runs is known only once that one ran.
      const final = !o.reasons.some((r) => r.startsWith("upstream "));
      lines.push(slurm.commandLine(byId.get(o.id) as PipelineNode, final ? o.key : "<after-upstream>"));
    }
    log.info(`${verdict.padEnd(7)} ${o.id}${lines.length ? `\n          ${lines.join("\n          ")}` : ""}`);
  }
}

/**
 * Ctrl-C / SIGTERM: cancel the jobs this runner submitted (unless `detach`) and exit; returns the
 * function that removes the handlers once the graph is done.
 */
function cancelOnSignal(slurm: SlurmExecutor, detach: boolean, log: Logger): () => void {
  const handler = (signal: NodeJS.Signals) => {
    const code = signal === "SIGINT" ? 130 : 143;
    if (detach) {
      log.warn(`${signal}: leaving ${slurm.submitted.size} submitted job(s) running (--detach); run the pipeline again to wait for them`);
      process.exit(code);
    }
    log.warn(`${signal}: cancelling ${slurm.submitted.size} submitted job(s): ${[...slurm.submitted].join(" ")}`);
    void slurm.cancel().finally(() => process.exit(code));
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}
