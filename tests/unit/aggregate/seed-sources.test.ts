import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readRun, sourcePattern } from "../../../lib/aggregate/index.ts";
import { runTask } from "../../../lib/task/index.ts";
import { makeCvDir, makeRunDir } from "./make-runs.ts";

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), "aggregate-sources-"));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const all = (v: number) => ({ split: v, init: v, order: v, augment: v, dropout: v });
const run = (name: string, seed: number, seeds?: ReturnType<typeof all>) => makeRunDir(join(tmp, name), { seed, ...(seeds ? { seeds } : {}), patients: 8 });
const aggregate = (params: Record<string, unknown>) => runTask("aggregate", { outdir: join(tmp, "agg"), bootstrap: 0, ...params }, { quiet: true });
const written = () => JSON.parse(readFileSync(join(tmp, "agg", "aggregate.json"), "utf8")) as { seed_sources: { varying: string[]; fixed: Record<string, number> } };

describe("sourcePattern(runs)", () => {
  test("runs made before sources existed count as every source following the seed", () => {
    const runs = [run("a", 42), run("b", 43)].map((d) => readRun(d, null));
    expect(runs[0]?.seeds).toEqual(all(42));
    expect(sourcePattern(runs)).toEqual({ pattern: { varying: ["split", "init", "order", "augment", "dropout"], fixed: {} }, problem: null });
  });
  test("CV folds: the split seed is shared but the fold differs, so the split varies with the fold seeds", () => {
    const cv = makeCvDir(join(tmp, "cv"), { seed: 42, folds: 3, acc: () => 0.7 });
    const runs = [1, 2, 3].map((k) => readRun(join(cv, `fold_${k}`, "results"), cv)).map((r) => ({ ...r, seeds: { ...r.seeds, split: 42 } }));
    expect(sourcePattern(runs).problem).toBeNull();
    expect(sourcePattern(runs).pattern.varying).toContain("split");
  });
});

describe("aggregate refuses runs whose per-source seeds mix", () => {
  test("the article's design (every source follows the seed) pools, and aggregate.json says every source varied", async () => {
    run("a", 42, all(42));
    run("b", 43, all(43));
    run("c", 44, all(44));
    await aggregate({ run: [join(tmp, "a"), join(tmp, "b"), join(tmp, "c")] });
    expect(written().seed_sources).toEqual({ varying: ["split", "init", "order", "augment", "dropout"], fixed: {} });
  });
  test("runs that vary only init (one arm of a study) pool, with the fixed sources and their seed recorded", async () => {
    run("a", 42, all(42));
    run("b", 42, { ...all(42), init: 43 });
    run("c", 42, { ...all(42), init: 44 });
    await aggregate({ run: [join(tmp, "a"), join(tmp, "b"), join(tmp, "c")] });
    expect(written().seed_sources).toEqual({ varying: ["init"], fixed: { split: 42, order: 42, augment: 42, dropout: 42 } });
  });
  test("two arms of a one-at-a-time study pooled together are refused, naming two runs and the sources", async () => {
    const base = run("base", 42, all(42));
    const initArm = run("init43", 42, { ...all(42), init: 43 });
    const splitArm = run("split43", 42, { ...all(42), split: 43 });
    await expect(aggregate({ run: [base, initArm, splitArm] })).rejects.toThrow(
      `runs: ${base} and ${initArm} share split 42 but differ in init (42 vs 43): mean ± σ over these runs would mix the variance of different sources (sources varying: split, init)`,
    );
    // --allow-mixed lets them through with the warning.
    await aggregate({ run: [base, initArm, splitArm], allowMixed: true });
    expect(written().seed_sources.varying).toEqual(["split", "init"]);
  });
  test("a run whose init is pinned to another run's seed is refused", async () => {
    run("a", 42, all(42));
    run("b", 43, all(43));
    run("c", 44, { ...all(44), init: 42 });
    await expect(aggregate({ run: [join(tmp, "a"), join(tmp, "b"), join(tmp, "c")] })).rejects.toThrow("share init 42 but differ in split (42 vs 44)");
  });
  test("--compare refuses pairs whose source seeds differ (no common random numbers), naming the pair", async () => {
    makeRunDir(join(tmp, "A", "results"), { seed: 42, seeds: all(42), patients: 8 });
    makeRunDir(join(tmp, "A", "results_1"), { seed: 43, seeds: all(43), patients: 8 });
    makeRunDir(join(tmp, "B", "results"), { seed: 42, seeds: { ...all(42), init: 7 }, patients: 8 });
    makeRunDir(join(tmp, "B", "results_1"), { seed: 43, seeds: { ...all(43), init: 7 }, patients: 8 });
    await expect(aggregate({ compare: [join(tmp, "A"), join(tmp, "B")] })).rejects.toThrow(
      `--compare: ${join(tmp, "A", "results")} and ${join(tmp, "B", "results")} are paired on seed 42 but drew init from 42 vs 7`,
    );
  });
});
