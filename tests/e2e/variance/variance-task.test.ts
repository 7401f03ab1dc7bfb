import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeWith } from "../../support/requirements.ts";
import { crossedComponents } from "../../../lib/stats/index.ts";
import { runTask } from "../../../lib/task/index.ts";
import type { VarianceBody } from "../../../lib/variance/index.ts";
import { writeTinyExperiment } from "../../unit/pipeline/tiny-experiment.ts";

// One tiny experiment (24 accessions, 16 px, 2 epochs) shared by the studies below, so runs they
// have in common (the base run, the splits) are trained once and then come from the cache.
const dir = mkdtempSync(join(tmpdir(), "variance-task-"));
let experiment = "";
beforeAll(() => {
  experiment = writeTinyExperiment(dir, "tiny");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const study = async (params: Record<string, unknown>) => {
  const result = await runTask("variance", { experiment, ...params }, { quiet: true });
  return { result, body: JSON.parse(readFileSync(result.path as string, "utf8")) as VarianceBody & { task: string } };
};
const runDir = (key: string) => join(dir, "tiny", "variance", "runs", key, "results");

describe("runTask('variance', {experiment, design, n, sources})", () => {
  test("one-at-a-time over init and split: 3 training runs, each source's variance from its own runs", async () => {
    const { result, body } = await study({ design: "one-at-a-time", n: 2, sources: "init,split", outdir: join(dir, "oat") });
    expect(result.path).toBe(join(dir, "oat", "variance.json"));
    expect(body.task).toBe("variance");
    expect(body.runs.map((r) => [r.seeds.split, r.seeds.init])).toEqual([
      [42, 42],
      [42, 43],
      [43, 42],
    ]);
    const [init, split] = body.metrics.accuracy.components;
    expect([init?.source, split?.source]).toEqual(["init", "split"]);
    expect(init?.runs).toEqual([runDir("s42-i42-o42-a42-d42"), runDir("s42-i43-o42-a42-d42")]);
    const acc = (key: string) => body.runs.find((r) => r.dir === runDir(key))?.metrics.accuracy as number;
    // Two runs: s² = (x₁ − x₂)² / 2.
    expect(init?.variance).toBeCloseTo((acc("s42-i42-o42-a42-d42") - acc("s42-i43-o42-a42-d42")) ** 2 / 2, 15);
    expect(split?.variance).toBeCloseTo((acc("s42-i42-o42-a42-d42") - acc("s43-i42-o42-a42-d42")) ** 2 / 2, 15);
    expect(body.metrics.accuracy.evaluation?.resamples).toBe(200);
    expect(body.metrics.accuracy.evaluation?.variance as number).toBeGreaterThan(0);
    // The runs record what they drew: the init arm's run trained with --seed 42 --seed-init 43.
    const summary = JSON.parse(readFileSync(join(runDir("s42-i43-o42-a42-d42"), "summary.json"), "utf8")) as { seed: number; seed_init: number; seeds: Record<string, number> };
    expect([summary.seed, summary.seed_init, summary.seeds.init, summary.seeds.split]).toEqual([42, 43, 43, 42]);
  });

  test("a second study reuses every run it shares (pipeline cache) and trains only the new cell", async () => {
    const weights = statSync(join(runDir("s42-i42-o42-a42-d42"), "best_model", "weights.bin")).mtimeMs;
    const { result, body } = await study({ design: "crossed", n: 2, sources: "split,init", outdir: join(dir, "crossed") });
    // Trained: s43-i43 only; cached: synth, audit, 2 splits and the 3 runs of the first study.
    expect([result.ran, result.cached]).toEqual([1, 7]);
    expect(statSync(join(runDir("s42-i42-o42-a42-d42"), "best_model", "weights.bin")).mtimeMs).toBe(weights);
    const acc = (split: number, init: number) => body.runs.find((r) => r.seeds.split === split && r.seeds.init === init)?.metrics.accuracy as number;
    const expected = crossedComponents([
      [acc(42, 42), acc(42, 43)],
      [acc(43, 42), acc(43, 43)],
    ]);
    expect(body.metrics.accuracy.components.map((c) => c.variance)).toEqual([expected.a.variance, expected.b.variance, expected.residual.variance]);
  });

  test("the same study again trains nothing", async () => {
    const { result } = await study({ design: "one-at-a-time", n: 2, sources: "init,split", outdir: join(dir, "oat") });
    expect(result.ran).toBe(0);
  });

  test("none on wasm: n runs with the same seeds are bit-identical and every variance is exactly 0", async () => {
    const { body } = await study({ design: "none", n: 2, bootstrap: 0, outdir: join(dir, "none-wasm") });
    expect(body.backend).toBe("wasm");
    expect(body.control).toMatchObject({ bit_identical: true, distinct_weights: 1, deterministic_backend: true });
    for (const d of Object.values(body.metrics)) for (const c of d.components) if (c.variance !== null) expect([c.variance, c.ci_high]).toEqual([0, 0]);
  });

  describeWith(["native addon"])("on native", () => {
    test("none on native: bit-identical too", async () => {
      const { body } = await study({ design: "none", n: 2, bootstrap: 0, set: [`outdir=${JSON.stringify(join(dir, "native"))}`, "train.backend=native"], outdir: join(dir, "none-native") });
      expect(body.backend).toBe("native");
      expect(body.control?.bit_identical).toBe(true);
      expect(body.metrics.kappa_quadratic.components[0]?.variance).toBe(0);
    });
  });

  test("bad input is refused before anything runs, naming the flag", async () => {
    await expect(runTask("variance", { experiment, n: 2 }, { quiet: true })).rejects.toThrow("missing --design");
    await expect(runTask("variance", { experiment, design: "crossed", n: 2, sources: "init" }, { quiet: true })).rejects.toThrow("--design crossed needs exactly two --sources");
    await expect(runTask("variance", { design: "all", n: 2 }, { quiet: true })).rejects.toThrow("nothing to study: give --experiment");
  });
});
