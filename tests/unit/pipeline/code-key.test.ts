import { describe, expect, test } from "bun:test";
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildGraph, codeHash, experimentSchema, resolveNodes, sourceClosure } from "../../../lib/pipeline/index.ts";
import { keyComponents, type Environment } from "../../../lib/pipeline/cache.ts";
import { loadTask, quietContext, validateParams } from "../../../lib/task/index.ts";
import { refusal } from "../../support/refusal.ts";

const ROOT = resolve(import.meta.dir, "..", "..", "..");
const rel = (files: string[]) => files.map((f) => f.slice(ROOT.length + 1));

const experiment = experimentSchema.parse({
  name: "code-key",
  outdir: "/tmp/code-key",
  dataset: { csv: "/data/labels.csv", dicomRoot: "/data/archive", labelCoding: "0-3" },
  train: { arch: "small-cnn", imgSize: 16, epochs: 1, cacheDir: "/tmp/code-key-cache" },
  seeds: [42],
  cv: { folds: 2 },
  hpo: { space: "/data/space.json", nTrials: 2 },
});


describe("sourceClosure / codeHash", () => {
  test("sourceClosure(tasks/train.ts) follows new URL(…, import.meta.url) to the decoding worker", () => {
    expect(rel(sourceClosure(join(ROOT, "tasks", "train.ts")))).toContain("lib/dataset/decode-worker.ts");
  });

  test("the import closure of tasks/hpo.ts alone lacks lib/train/run.ts and the models; with the task it uses (train) it has them", () => {
    const alone = rel(sourceClosure(join(ROOT, "tasks", "hpo.ts")));
    expect(alone).not.toContain("lib/train/run.ts");
    const withTrain = rel(sourceClosure(join(ROOT, "tasks", "hpo.ts"), join(ROOT, "tasks", "train.ts")));
    for (const f of ["lib/train/run.ts", "lib/models/index.ts", "lib/backend/index.ts", "lib/dataset/decode-worker.ts"]) expect(withTrain).toContain(f);
    expect(codeHash([join(ROOT, "tasks", "hpo.ts"), join(ROOT, "tasks", "train.ts")], ROOT)).not.toBe(codeHash(join(ROOT, "tasks", "hpo.ts"), ROOT));
  });
});

describe("resolveNodes(buildGraph(experiment), root)", () => {
  test("each node's code is its task's file and those of the tasks it uses, transitively", async () => {
    const nodes = await resolveNodes(buildGraph(experiment), ROOT);
    const code = Object.fromEntries(nodes.map((n) => [n.id, rel(n.codeFiles ?? [])]));
    expect(code.hpo).toEqual(["tasks/hpo.ts", "tasks/train.ts"]);
    expect(code.cv).toEqual(["tasks/cv.ts", "tasks/split.ts", "tasks/train.ts"]);
    expect(code.report).toEqual(["tasks/aggregate.ts", "tasks/report.ts"]);
    expect(code.audit).toEqual(["tasks/audit.ts"]);
    // The hpo key therefore changes with the training code.
    const env: Environment = { lockfile: "l", packages: {}, dataDigest: () => "d" };
    const hpo = nodes.find((n) => n.id === "hpo");
    if (!hpo) throw new Error("no hpo node");
    expect(keyComponents(hpo, {}, ROOT, env).code).toBe(codeHash([join(ROOT, "tasks", "hpo.ts"), join(ROOT, "tasks", "train.ts")], ROOT));
  });

  test("each node's outputs come from its task's outputs(params)", async () => {
    const nodes = await resolveNodes(buildGraph(experiment), ROOT);
    const outputs = Object.fromEntries(nodes.map((n) => [n.id, n.outputs]));
    const run = "/tmp/code-key/runs/seed_42/results";
    expect(outputs["train/seed-42"]).toEqual(["summary.json", "metrics/val_metrics.json", "val_predictions.csv", "train_history.csv", "best_model/weights.bin"].map((f) => join(run, f)));
    expect(outputs.audit).toEqual(["/tmp/code-key/audit/data_manifest.json", "/tmp/code-key/audit/data_audit.csv"]);
    expect(outputs["split/seed-42"]).toEqual(["/tmp/code-key/splits/seed_42/split.json"]);
    expect(outputs.hpo).toEqual(["/tmp/code-key/hpo/hpo_summary.json"]);
    expect(outputs.cv).toEqual(["/tmp/code-key/cv/cv_summary.json"]);
    expect(outputs.report).toEqual(["/tmp/code-key/Article/assets/report.html"]);
  });

  test("the dataset's labelCoding reaches every data task, and the audit fills training's cache at its size", async () => {
    const nodes = await resolveNodes(buildGraph(experiment), ROOT);
    for (const n of nodes.filter((n) => ["audit", "split", "train", "hpo"].includes(n.task))) expect(n.params.labelCoding).toBe("0-3");
    expect(nodes.find((n) => n.id === "audit")?.params).toMatchObject({ imgSize: 16, cacheDir: "/tmp/code-key-cache" });
  });

  test("resolveNodes refuses a misspelt param in the experiment file before anything runs", async () => {
    const bad = experimentSchema.parse({ ...experiment, train: { ...experiment.train, epochz: 3 } });
    const err = await refusal(() => resolveNodes(buildGraph(bad), ROOT));
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe("node train/seed-42 (task train): unknown param for task train: epochz (--epochz) (did you mean --epochs?)");
  });

  test("resolveNodes refuses an --img-size the architecture cannot take before anything runs (train, cv and hpo nodes)", async () => {
    for (const [arch, imgSize, min] of [["efficientnet-b0", 16, 32], ["efficientnet-b0-torchvision", 31, 32]] as const) {
      const bad = experimentSchema.parse({ ...experiment, train: { ...experiment.train, arch, imgSize } });
      const err = await refusal(() => resolveNodes(buildGraph(bad), ROOT));
      expect(err.exitCode).toBe(2);
      expect(err.message).toMatch(new RegExp(`^node (train/seed-42|cv|hpo) \\(task (train|cv|hpo)\\): invalid --img-size: ${imgSize} \\(expected an integer ≥ ${min} for --arch ${arch}\\)$`));
    }
  });
});

describe("task definitions", () => {
  test("every ctx.runTask(\"name\") in tasks/*.ts is declared in that task's uses", async () => {
    for (const file of readdirSync(join(ROOT, "tasks")).filter((f) => f.endsWith(".ts"))) {
      const called = [...readFileSync(join(ROOT, "tasks", file), "utf8").matchAll(/ctx\.runTask\(\s*"([\w-]+)"/g)].map((m) => m[1] as string);
      const def = await loadTask(file.slice(0, -3));
      for (const name of called) expect({ task: def.name, uses: [...(def.uses ?? [])] }).toEqual({ task: def.name, uses: expect.arrayContaining([name]) });
    }
  });
});

describe("validateParams / ctx.runTask", () => {
  test("ctx.runTask refuses an unknown param as the CLI refuses an unknown flag (it was silently dropped)", async () => {
    const err = await refusal(() => quietContext().runTask("seed", { seeds: [1], outdirr: "/tmp/x" }));
    expect(err.code).toBe("unknown_param");
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe("unknown param for task seed: outdirr (--outdirr) (did you mean --outdir?)");
  });

  test("validateParams still applies defaults and accepts every known param", async () => {
    const seed = await loadTask("seed");
    expect(validateParams(seed, { seeds: [7] })).toEqual({ seeds: [7], outdir: "outputs/seeds" });
  });
});

describe("buildGraph(experiment with split.testFrac)", () => {
  test("adds an aggregate of the test part over the seeds' runs, which the report reads", async () => {
    const withTest = experimentSchema.parse({ ...experiment, split: { valFrac: 0.2, testFrac: 0.15 }, cv: null, hpo: null });
    const nodes = await resolveNodes(buildGraph(withTest), ROOT);
    const testAgg = nodes.find((n) => n.id === "aggregate/test");
    expect(testAgg?.params).toMatchObject({ part: "test", outdir: "/tmp/code-key/aggregate_test" });
    expect(testAgg?.params.run).toEqual(nodes.find((n) => n.id === "aggregate")?.params.run);
    expect(testAgg?.deps).toEqual(["train/seed-42"]);
    expect(testAgg?.outputs).toEqual(["/tmp/code-key/aggregate_test/aggregate.json", "/tmp/code-key/aggregate_test/aggregate.csv"]);
    const report = nodes.find((n) => n.id === "report");
    expect(report?.params.testAggregate).toBe("/tmp/code-key/aggregate_test/aggregate.json");
    expect(report?.deps).toContain("aggregate/test");
    // Every split node (hold-out per seed) carves the same test part.
    for (const n of nodes.filter((n) => n.task === "split")) expect(n.params.testFrac).toBe(0.15);
  });

  test("without a test part there is no test aggregate", () => {
    expect(buildGraph(experiment).some((n) => n.id === "aggregate/test")).toBe(false);
  });
});
