import { join } from "node:path";
import { z } from "zod";
import { defineArtifact, enveloped } from "../lib/artifacts/index.ts";
import { defineTask } from "../lib/task/index.ts";
import { STREAM_SCHEME, deriveSeed } from "../lib/rng/index.ts";

/** Streams whose derived seeds are listed in `seeds.json`, so a reader can check them by hand. */
const EXAMPLE_STREAMS = ["split", "init", "shuffle/epoch/1", "augment/epoch/1", "dropout/step/1", "subset", "hpo/trial/1"];

export const seedsJson = defineArtifact({
  name: "seeds",
  path: "<outdir>/seeds.json",
  format: "json",
  schema: enveloped(
    z.object({
      /** Root seeds, one run each. */
      seeds: z.array(z.number().int().nonnegative()),
      scheme: z.object({ name: z.string(), description: z.string() }),
      /** By root seed (as a string), the seed derived for each example stream. */
      derived: z.record(z.string(), z.record(z.string(), z.number().int())),
    }),
  ),
  enveloped: true,
  writer: "tasks/seed.ts",
  readers: [],
  description: "The seed plan: the root seeds, the derivation scheme, and the derived seed of a few streams per root seed so that a reader can check the scheme by hand.",
  version: 1,
});

export default defineTask({
  name: "seed",
  description: "Write the seed plan (seeds.json): root seeds and the derived-stream scheme",
  params: z.object({
    seeds: z.array(z.number().int().nonnegative()).min(1).default([42, 43, 44]).describe("root seeds, one run each (repeat the flag)"),
    outdir: z.string().default("outputs/seeds").describe("directory to write seeds.json into"),
  }),
  examples: ["bun run task seed --seeds 42 --seeds 43 --seeds 44 --outdir out/seeds"],
  async run(params, ctx) {
    const duplicates = params.seeds.filter((s, i) => params.seeds.indexOf(s) !== i);
    if (duplicates.length) ctx.log.warn(`duplicate seeds ignored: ${[...new Set(duplicates)].join(", ")}`);
    const seeds = [...new Set(params.seeds)];
    const path = join(params.outdir, "seeds.json");
    ctx.artifacts.writeJson(seedsJson, path, {
      seeds,
      scheme: {
        name: STREAM_SCHEME,
        description: "seed(root, purpose) = first 4 bytes (little endian) of SHA-256(scheme NUL root NUL purpose), 0 mapped to 1",
      },
      derived: Object.fromEntries(seeds.map((s) => [String(s), Object.fromEntries(EXAMPLE_STREAMS.map((p) => [p, deriveSeed(s, p)]))])),
    });
    ctx.log.info(`seed plan: ${seeds.join(", ")} (${STREAM_SCHEME})`);
    return { path, seeds };
  },
});
