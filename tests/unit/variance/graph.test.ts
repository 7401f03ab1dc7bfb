import { expect, test } from "bun:test";
import { join } from "node:path";
import { buildGraph, experimentSchema, resolveNodes } from "../../../lib/pipeline/index.ts";

const ROOT = join(import.meta.dir, "..", "..", "..");

const experiment = (variance: Record<string, unknown> | null, report: Record<string, unknown> | null = null) =>
  experimentSchema.parse({
    name: "v",
    outdir: "out",
    dataset: { synth: { accessions: 24 } },
    train: { arch: "small-cnn", imgSize: 16, seedInit: 99 },
    seeds: [42, 43],
    variance,
    report,
  });

test("buildGraph(experiment with a variance block) adds one train node per planned run, sharing the experiment's splits", async () => {
  const nodes = buildGraph(experiment({ design: "one-at-a-time", n: 3, sources: ["split", "dropout"] }, { assetsDir: "out/assets" }));
  const study = nodes.filter((n) => n.id.startsWith("variance/"));
  expect(study.map((n) => n.id)).toEqual(["variance/s42-i42-o42-a42-d42", "variance/s43-i42-o42-a42-d42", "variance/s44-i42-o42-a42-d42", "variance/s42-i42-o42-a42-d43", "variance/s42-i42-o42-a42-d44"]);
  // split/seed-42 and split/seed-43 are the experiment's own; only seed 44's split is new, and no split node is duplicated.
  const splitIds = nodes.filter((n) => n.task === "split").map((n) => n.id);
  expect(splitIds).toEqual(["split/seed-42", "split/seed-43", "split/seed-44"]);
  const dropoutRun = study[3]?.params as Record<string, unknown>;
  // The base seed plus an override for the varied source; the experiment's own seed override is not carried into the study.
  expect([dropoutRun.seed, dropoutRun.seedDropout, dropoutRun.seedInit, dropoutRun.split]).toEqual([42, 43, undefined, "out/splits/seed_42/split.json"]);
  expect((study[1]?.params as Record<string, unknown>).split).toBe("out/splits/seed_43/split.json");
  expect(study[1]?.deps).toEqual(["split/seed-43"]);
  const analysis = nodes.find((n) => n.id === "variance");
  expect(analysis?.task).toBe("variance");
  expect(analysis?.deps).toEqual(study.map((n) => n.id));
  expect(analysis?.params).toMatchObject({ design: "one-at-a-time", n: 3, sources: "split,dropout", baseSeed: 42, bootstrap: 200, outdir: "out/variance/one-at-a-time" });
  // Every node's params pass its task's schema (strictly), and the analysis node's output is variance.json.
  const resolved = await resolveNodes(nodes, ROOT);
  expect(resolved.find((n) => n.id === "variance")?.outputs).toEqual(["out/variance/one-at-a-time/variance.json"]);
  expect(resolved.find((n) => n.id === "variance/s42-i42-o42-a42-d43")?.outputs).toContain("out/variance/runs/s42-i42-o42-a42-d43/results/summary.json");
  const report = nodes.find((n) => n.id === "report");
  expect(report?.deps).toContain("variance");
  expect(report?.params.variance).toBe("out/variance/one-at-a-time/variance.json");
});

test("buildGraph: the all design trains root seeds base, base+1, … with every source following; none trains n separate replicates", () => {
  const all = buildGraph(experiment({ design: "all", n: 2, baseSeed: 7 })).filter((n) => n.id.startsWith("variance/"));
  expect(all.map((n) => [n.id, n.params.seed, n.params.seedInit])).toEqual([
    ["variance/s7-i7-o7-a7-d7", 7, undefined],
    ["variance/s8-i8-o8-a8-d8", 8, undefined],
  ]);
  const none = buildGraph(experiment({ design: "none", n: 3 })).filter((n) => n.id.startsWith("variance/"));
  expect(none.map((n) => n.params.runDir)).toEqual(["out/variance/runs/none-1/results", "out/variance/runs/none-2/results", "out/variance/runs/none-3/results"]);
  expect(new Set(none.map((n) => JSON.stringify({ ...n.params, runDir: null }))).size).toBe(1);
});

test("buildGraph without a variance block is unchanged: no study nodes", () => {
  expect(buildGraph(experiment(null)).some((n) => n.id.startsWith("variance"))).toBe(false);
});

test("buildGraph(experiment with a plan block) adds a plan-seeds node on the aggregate and hands plan.json to the report", async () => {
  const exp = experimentSchema.parse({ name: "p", outdir: "out", dataset: { synth: { accessions: 24 } }, plan: { delta: 0.02 }, report: { assetsDir: "out/assets" } });
  const nodes = buildGraph(exp);
  const plan = nodes.find((n) => n.id === "plan-seeds");
  expect(plan).toMatchObject({ task: "plan-seeds", deps: ["aggregate"], params: { delta: 0.02, aggregate: "out/aggregate/aggregate.json", outdir: "out/plan" } });
  expect((await resolveNodes(nodes, ROOT)).find((n) => n.id === "plan-seeds")?.outputs).toEqual(["out/plan/plan.json"]);
  const report = nodes.find((n) => n.id === "report");
  expect(report?.deps).toContain("plan-seeds");
  expect(report?.params.plan).toBe("out/plan/plan.json");
});
