import { join, resolve } from "node:path";
import { z } from "zod";
import { TaskError } from "../lib/errors/index.ts";
import { buildGraph, readExperiment, resolveNodes, runGraph } from "../lib/pipeline/index.ts";
import { quietProgress } from "../lib/progress/index.ts";
import { defineTask } from "../lib/task/index.ts";

const ROOT = resolve(import.meta.dir, "..");

export default defineTask({
  name: "pipeline",
  description: "Run an experiment file's whole graph (data → split → train × seeds, cv → aggregate → report) with a content-addressed cache",
  params: z.object({
    experiment: z.string().describe("experiment file (experiments/<name>.json)"),
    set: z.array(z.string()).default([]).describe("override a field of the experiment file: key.path=value (value parsed as JSON when it parses)"),
    jobs: z.number().int().positive().default(1).describe("nodes run at the same time (each in its own process)"),
    gpuSlots: z.number().int().positive().default(1).describe("of those, nodes training on a GPU at the same time (backend gpu/webgpu, tensorflow with tfjs-node-gpu, or task train-gpu): one per GPU"),
    dryRun: z.boolean().default(false).describe("print the plan (each node cached or to run) and run nothing"),
    explain: z.boolean().default(false).describe("say why each node runs: which param, input, code or package changed"),
  }),
  positional: "experiment",
  examples: ["bun run task pipeline experiments/demo.json --dry-run --explain", "bun run task pipeline experiments/demo.json --jobs 2 --set train.epochs=5"],
  async run(params, ctx) {
    const experiment = readExperiment(params.experiment, params.set);
    const nodes = await resolveNodes(buildGraph(experiment), ROOT);
    const outdir = experiment.outdir ?? join("outputs", "experiments", experiment.name);
    const stateDir = join(outdir, ".pipeline");
    ctx.log.info(`pipeline ${experiment.name}: ${nodes.length} nodes, state in ${stateDir}${params.dryRun ? " (dry run)" : ""}`);
    const outcomes = await runGraph(nodes, {
      root: ROOT,
      stateDir,
      jobs: params.jobs,
      gpuSlots: params.gpuSlots,
      dryRun: params.dryRun,
      // A dry run prints only the plan below; a real run reports each node as it finishes.
      log: params.dryRun ? { ...ctx.log, info: ctx.log.debug } : ctx.log,
      progress: params.dryRun ? quietProgress : ctx.progress,
      now: () => ctx.clock.now(),
    });
    if (params.dryRun || params.explain) {
      for (const o of outcomes) {
        const verdict = o.status === "cached" ? "cached" : o.status === "planned" ? "to run" : o.status;
        ctx.log.info(`${verdict.padEnd(7)} ${o.id}${params.explain && o.reasons.length ? `\n          ${o.reasons.join("\n          ")}` : ""}`);
      }
    }
    const count = (s: string) => outcomes.filter((o) => o.status === s).length;
    ctx.log.info(`${count("cached")} cached, ${count("ran")} ran, ${count("planned")} to run, ${count("failed")} failed, ${count("skipped")} skipped`);
    const failed = outcomes.filter((o) => o.status === "failed");
    if (failed.length) {
      throw new TaskError("pipeline_failed", `pipeline ${experiment.name}: ${failed.map((f) => `${f.id} failed (${f.error})`).join("; ")}`);
    }
    return { path: outdir, outcomes };
  },
});
