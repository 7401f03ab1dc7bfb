import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import { usageError } from "../lib/errors/index.ts";
import { defineTask, taskNames } from "../lib/task/index.ts";
import { taskCommand } from "../lib/task/command.ts";
import { finishedRuns } from "../lib/runs/index.ts";

export default defineTask({
  name: "report",
  aliases: ["report-pack"],
  description: "Render the article's figures (SVG, vector PDF, PNG), LaTeX tables and section, and a self-contained HTML report",
  params: z.object({
    run: z.array(z.string()).default([]).describe("training run directory, one per seed (repeat the flag); default: the runs listed in --aggregate"),
    cv: z.string().optional().describe("cross-validation output directory (holds cv_summary.json)"),
    hpo: z.string().optional().describe("HPO output directory (hpo_summary.json, trials.json or study.json; else trial dirs with optuna_trial.json)"),
    aggregate: z.string().optional().describe("aggregate.json of the runs; when absent the aggregate task is run on --run into <assets-dir>/../aggregate"),
    testAggregate: z.string().optional().describe("aggregate.json of the held-out test part (aggregate --part test); when absent and every --run has metrics/test_metrics.json, it is made into <assets-dir>/../aggregate_test"),
    assetsDir: z.string().default("Article/assets").describe("directory for figures, tables and report.html"),
    tex: z.string().default("Article/sections/density_model.tex").describe("LaTeX section file to write"),
    texRoot: z.string().optional().describe("directory LaTeX is run from (paths in the section are relative to it); default: --tex's own folder, so a main.tex beside the section compiles as is"),
    metricAxis: z.enum(["shared", "per-metric"]).default("shared").describe("spread figures (seeds, CV folds): one x axis for all metrics, or each metric zoomed on its own axis"),
    variance: z.string().optional().describe("variance.json of a variance study: adds σ per source (figure, table)"),
    plan: z.string().optional().describe("plan.json of plan-seeds: adds the seed plan (table and its sentence)"),
    gradcamLimit: z.number().int().nonnegative().default(4).describe("Grad-CAM overlays per run in the collage (0: none)"),
  }),
  examples: [
    "bun run task report --run outputs/density/results_4 --run outputs/density/results_5 --run outputs/density/results_6 --cv outputs/density_experiments/results_k",
    "bun run task report-pack --aggregate outputs/aggregate/aggregate.json --assets-dir Article/assets",
  ],
  uses: ["aggregate"],
  outputs: (p) => [join(p.assetsDir, "report.html")],
  async run(params, ctx) {
    // Loaded here, not at the top: the pipeline reads every task's definition to plan a graph, and
    // the report's figures pull in jsdom and Observable Plot (a second or two).
    const { loadSources, makeReport, writeReport } = await import("../reports/index.ts");
    if (params.run.length === 0 && !params.aggregate && !params.cv && !params.hpo && !params.variance && !params.plan) {
      throw usageError("nothing_to_report", "nothing to report: give --run, --aggregate, --cv, --hpo, --variance or --plan");
    }
    // A failed or unfinished run has no summary to report: skip it with one warning naming it.
    const runs = finishedRuns(params.run, ctx.log);
    if (params.run.length > 0 && runs.length === 0 && !params.aggregate && !params.cv && !params.hpo && !params.variance && !params.plan) {
      throw usageError("no_finished_run", `none of the ${params.run.length} run directories given with --run finished: ${params.run.join(", ")}`);
    }
    let aggregatePath = params.aggregate ?? null;
    if (aggregatePath === null && runs.length > 0) {
      if (!taskNames().includes("aggregate")) {
        throw usageError("no_aggregate", "no --aggregate given and there is no aggregate task to compute it: run `bun run task aggregate --run …` first, then pass --aggregate");
      }
      // Beside the assets, so the numbers the tables show are kept with the article.
      const outdir = join(dirname(params.assetsDir), "aggregate");
      ctx.log.info(`no --aggregate: running the aggregate task on ${runs.length} run${runs.length === 1 ? "" : "s"} into ${outdir}`);
      const result = await ctx.runTask("aggregate", { run: runs, outdir });
      aggregatePath = typeof result.path === "string" && result.path.endsWith(".json") ? result.path : join(typeof result.path === "string" ? result.path : outdir, "aggregate.json");
    }
    // The held-out test part's table (issue 14): given, or made when every run has test metrics.
    let testAggregatePath = params.testAggregate ?? null;
    if (testAggregatePath === null && runs.length > 0 && runs.every((r) => existsSync(join(r, "metrics", "test_metrics.json")))) {
      const outdir = join(dirname(params.assetsDir), "aggregate_test");
      ctx.log.info(`the runs have a held-out test part: running the aggregate task with --part test into ${outdir}`);
      const result = await ctx.runTask("aggregate", { run: runs, outdir, part: "test" });
      testAggregatePath = typeof result.path === "string" ? result.path : join(outdir, "aggregate.json");
    }
    const sources = loadSources(
      { runs, aggregate: aggregatePath, testAggregate: testAggregatePath, cv: params.cv ?? null, hpo: params.hpo ?? null, variance: params.variance ?? null, plan: params.plan ?? null },
      ctx.log,
    );
    const report = makeReport(sources, {
      assetsDir: params.assetsDir,
      texFile: params.tex,
      texRoot: params.texRoot ?? dirname(params.tex),
      texRootDefaulted: params.texRoot === undefined,
      spreadAxis: params.metricAxis,
      gradcamLimit: params.gradcamLimit,
      reportCommand: taskCommand("report", params),
    });
    const outcome = writeReport(report.files, params.assetsDir, { write: (path, data) => ctx.artifacts.writeFile(path, data) });
    ctx.log.info(`report: ${report.figures.length} figures (SVG, PDF, PNG), ${report.tables.length} tables; files: ${outcome.written.length} written, ${outcome.unchanged.length} unchanged, ${outcome.removed.length} stale removed`);
    return {
      path: join(params.assetsDir, "report.html"),
      figures: report.figures.map((f) => f.name),
      tables: report.tables.map((t) => t.name),
      written: outcome.written,
      unchanged: outcome.unchanged,
      removed: outcome.removed,
    };
  },
});
