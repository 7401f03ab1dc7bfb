import { join } from "node:path";
import { z } from "zod";
import { defineTask } from "../lib/task/index.ts";

export default defineTask({
  name: "demo",
  description: "The whole experiment on a synthetic DICOM cohort: the README's main command",
  params: z.object({
    outdir: z.string().default("outputs/demo").describe("where the demo's runs and artifacts go"),
    seeds: z.array(z.number().int().nonnegative()).default([42, 43, 44]).describe("root seeds, one training run each"),
  }),
  examples: ["bun run task demo"],
  async run(params, ctx) {
    ctx.log.info(`demo: writing into ${params.outdir}`);
    const seeds = await ctx.runTask("seed", { seeds: params.seeds, outdir: join(params.outdir, "seeds") });
    return { path: params.outdir, seeds: seeds.path };
  },
});
