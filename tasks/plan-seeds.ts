import { join } from "node:path";
import { z } from "zod";
import { METRIC_NAMES } from "../lib/aggregate/index.ts";
import { usageError } from "../lib/errors/index.ts";
import { defineTask } from "../lib/task/index.ts";
import { pilotFromAggregate, pilotFromVariance, planJson, planSeeds } from "../lib/variance/index.ts";

/**
 * Writes `<outdir>/plan.json`: `n_required` (seeds per configuration to detect --delta with a
 * two-sided t test at --alpha and --power; two independent configurations sharing the pilot's
 * sample σ, or, from an `aggregate --compare` pilot, pairs of runs sharing each seed on the σ of
 * the differences) and `min_detectable_delta` (for the pilot's n), with the sentence the report
 * prints. Power as statsmodels' TTestIndPower / TTestPower define it.
 */
export default defineTask({
  name: "plan-seeds",
  description: "How many seeds a claim needs: seeds per configuration to detect a difference, and the smallest difference the pilot's seeds can detect",
  params: z.object({
    aggregate: z.string().optional().describe("pilot aggregate.json: runs over seeds (independent configurations), or of `aggregate --compare` (paired by seed)"),
    variance: z.string().optional().describe("pilot variance.json of a variance study (σ of its total) instead of --aggregate"),
    metric: z.enum(METRIC_NAMES).default("kappa_quadratic").describe("metric the claim is about"),
    delta: z.number().positive().describe("smallest difference worth detecting, in the metric's unit (e.g. 0.02 for Δκ = 0.02)"),
    alpha: z.number().gt(0).lt(1).default(0.05).describe("significance level of the two-sided test"),
    power: z.number().gt(0).lt(1).default(0.8).describe("probability of detecting a true difference of --delta"),
    outdir: z.string().default("outputs/plan").describe("directory to write plan.json into"),
  }),
  outputs: (p) => [join(p.outdir, "plan.json")],
  examples: [
    "bun run task plan-seeds --aggregate outputs/aggregate/aggregate.json --metric kappa_quadratic --delta 0.02 --outdir outputs/plan",
    "bun run task plan-seeds --aggregate outputs/compare_a_b/aggregate.json --delta 0.02 --power 0.9",
  ],
  async run(params, ctx) {
    if ((params.aggregate === undefined) === (params.variance === undefined)) {
      throw usageError("bad_value", params.aggregate === undefined ? "no pilot: give --aggregate A.json (or --variance V.json)" : "give one pilot: --aggregate or --variance, not both");
    }
    if (!(params.power > params.alpha)) throw usageError("bad_value", `invalid --power: ${params.power} (expected above --alpha ${params.alpha})`);
    const pilot = params.aggregate !== undefined ? pilotFromAggregate(params.aggregate, params.metric) : pilotFromVariance(params.variance as string, params.metric);
    const plan = planSeeds(pilot, params.metric, params.delta, params.alpha, params.power);
    const path = join(params.outdir, "plan.json");
    ctx.artifacts.writeJson(planJson, path, plan, [pilot.path]);
    ctx.log.info(`pilot: σ = ${plan.pilot.sigma.toPrecision(4)} of ${plan.pilot.sigma_of} (${plan.design} design, n = ${plan.pilot.n})`);
    ctx.log.info(plan.sentence);
    return { path, n_required: plan.n_required, min_detectable_delta: plan.min_detectable_delta, design: plan.design };
  },
});
