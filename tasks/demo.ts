import { readdirSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { aggregateJson, summaryTable } from "../lib/aggregate/index.ts";
import { readArtifact } from "../lib/artifacts/index.ts";
import { buildGraph, readExperiment } from "../lib/pipeline/index.ts";
import { defineTask } from "../lib/task/index.ts";

export default defineTask({
  name: "demo",
  description: "The whole experiment on a synthetic DICOM cohort: synth, audit, split, train seeds 42–44, 3-fold CV, aggregate, report",
  params: z.object({
    experiment: z.string().default("experiments/demo.json").describe("experiment file the demo runs"),
    assetsDir: z.string().default("Article/assets").describe("where figures, tables and report.html are written"),
    tex: z.string().default("Article/sections/density_model.tex").describe("LaTeX section file to write"),
    jobs: z.number().int().positive().default(2).describe("pipeline nodes run at the same time (one process each)"),
  }),
  examples: ["bun run task demo", "bun run task demo --assets-dir /tmp/assets --jobs 1"],
  uses: ["pipeline"],
  async run(params, ctx) {
    const set = [`report.assetsDir=${JSON.stringify(params.assetsDir)}`, `report.tex=${JSON.stringify(params.tex)}`];
    ctx.log.info(`demo: ${params.experiment} (a second run is answered from the pipeline's cache)`);
    await ctx.runTask("pipeline", { experiment: params.experiment, set, jobs: params.jobs });
    const experiment = readExperiment(params.experiment, set);
    const graph = buildGraph(experiment);
    const tables = [
      { id: "aggregate", title: "Validation metrics (best epoch of each run, chosen on these data)" },
      { id: "aggregate/test", title: "Held-out test metrics (never used for training or selection)" },
    ];
    for (const { id, title } of tables) {
      const node = graph.find((n) => n.id === id);
      if (!node) continue;
      const aggregate = readArtifact(join(node.params.outdir as string, "aggregate.json"), "aggregate", aggregateJson.schema, "aggregate");
      ctx.log.info("");
      ctx.log.info(`${title}, over seeds ${experiment.seeds.join(", ")}:`);
      for (const line of summaryTable(aggregate.metrics, aggregate.sigma, aggregate.confidence, aggregate.bootstrap.resamples)) ctx.log.info(`  ${line}`);
    }
    ctx.log.info("");
    ctx.log.info(`Written to ${params.assetsDir}:`);
    for (const f of readdirSync(params.assetsDir).sort()) ctx.log.info(`  ${join(params.assetsDir, f)}`);
    ctx.log.info(`  ${params.tex}`);
    return { path: join(params.assetsDir, "report.html") };
  },
});
