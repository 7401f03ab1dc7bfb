import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stream } from "../../../lib/rng/index.ts";
import { crossedComponents } from "../../../lib/stats/index.ts";
import { analyseStudy, classifyRuns, evaluationNoise, planStudy, readStudyRun, resolveStudy, type Study } from "../../../lib/variance/index.ts";
import { makeRunDir } from "../aggregate/make-runs.ts";

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), "variance-study-"));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const all = (v: number) => ({ split: v, init: v, order: v, augment: v, dropout: v });
type Seeds = ReturnType<typeof all>;
/** A finished run with these seeds and this accuracy (other metrics from its fake predictions). */
const run = (name: string, seeds: Seeds, acc: number, seed = 42) => readStudyRun(makeRunDir(join(tmp, name), { seed, seeds, patients: 12, metrics: { acc }, weightsSha256: `w-${name}` }));
const study = (s: Partial<Study> & Pick<Study, "design">): Study => ({ n: 2, m: null, sources: [], baseSeed: 42, bootstrap: 0, ...s });

describe("resolveStudy(input, defaultBase)", () => {
  test("defaults: one-at-a-time varies all five sources, crossed split × init with m = n, base = the experiment's seed", () => {
    expect(resolveStudy({ design: "one-at-a-time", n: 3 }, 42)).toEqual({ design: "one-at-a-time", n: 3, m: null, sources: ["split", "init", "order", "augment", "dropout"], baseSeed: 42, bootstrap: 200 });
    expect(resolveStudy({ design: "crossed", n: 3 }, 7)).toMatchObject({ sources: ["split", "init"], m: 3, baseSeed: 7 });
    expect(resolveStudy({ design: "all", n: 3, baseSeed: 100 }, 42)).toMatchObject({ sources: ["split", "init", "order", "augment", "dropout"], baseSeed: 100 });
  });
  test("refuses what the design does not take, naming the flag and the value", () => {
    expect(() => resolveStudy({ design: "crossed", n: 3, sources: "split" }, 42)).toThrow("--design crossed needs exactly two --sources (e.g. split,init), got 1: split");
    expect(() => resolveStudy({ design: "all", n: 3, sources: "init" }, 42)).toThrow("--sources init does not apply to --design all");
    expect(() => resolveStudy({ design: "none", n: 3, m: 2 }, 42)).toThrow("--m 2 is for the crossed design");
    expect(() => resolveStudy({ design: "one-at-a-time", n: 3, sources: "init,weights" }, 42)).toThrow("invalid --sources: weights");
  });
});

describe("planStudy(study)", () => {
  test("one-at-a-time: n levels per source (base, base+1, …), the base run shared by every arm", () => {
    const runs = planStudy(study({ design: "one-at-a-time", n: 3, sources: ["split", "init"] }));
    expect(runs.map((r) => r.key)).toEqual(["s42-i42-o42-a42-d42", "s43-i42-o42-a42-d42", "s44-i42-o42-a42-d42", "s42-i43-o42-a42-d42", "s42-i44-o42-a42-d42"]);
    // 1 + 5 × (n − 1) runs for all five sources.
    expect(planStudy(study({ design: "one-at-a-time", n: 4, sources: ["split", "init", "order", "augment", "dropout"] })).length).toBe(16);
  });
  test("crossed: n × m cells; all: n root seeds; none: n separate replicates of the base run", () => {
    const crossed = planStudy(study({ design: "crossed", n: 3, m: 2, sources: ["init", "order"] }));
    expect(crossed.length).toBe(6);
    expect(crossed.map((r) => [r.seeds.init, r.seeds.order])).toEqual([[42, 42], [42, 43], [43, 42], [43, 43], [44, 42], [44, 43]]);
    expect(planStudy(study({ design: "all", n: 3 })).map((r) => r.key)).toEqual(["s42-i42-o42-a42-d42", "s43-i43-o43-a43-d43", "s44-i44-o44-a44-d44"]);
    expect(planStudy(study({ design: "none", n: 3 })).map((r) => [r.key, r.seeds.init])).toEqual([["none-1", 42], ["none-2", 42], ["none-3", 42]]);
  });
});

describe("classifyRuns(study, runs)", () => {
  test("one-at-a-time: each run joins the arm of the one source it varies; the base run joins every arm", () => {
    const base = run("base", all(42), 0.7);
    const i43 = run("i43", { ...all(42), init: 43 }, 0.72);
    const s43 = run("s43", { ...all(42), split: 43 }, 0.6);
    const groups = classifyRuns(study({ design: "one-at-a-time", sources: ["split", "init"] }), [base, i43, s43]);
    expect(groups.design === "one-at-a-time" && groups.arms.map((a) => [a.source, a.runs.map((r) => r.dir)])).toEqual([
      ["split", [base.dir, s43.dir]],
      ["init", [base.dir, i43.dir]],
    ]);
  });
  test("refuses a run that varies two sources, or one not studied, naming it and its seeds", () => {
    const base = run("base", all(42), 0.7);
    const two = run("two", { ...all(42), init: 43, order: 44 }, 0.7);
    const s = study({ design: "one-at-a-time", sources: ["init", "order"] });
    expect(() => classifyRuns(s, [base, two])).toThrow(`--design one-at-a-time: ${two.dir} varies init and order (split 42, init 43, order 44, augment 42, dropout 42); each run may differ from the base seed 42 in one source`);
    const dropout = run("dropout", { ...all(42), dropout: 43 }, 0.7);
    expect(() => classifyRuns(s, [base, dropout])).toThrow(`${dropout.dir} varies dropout, which is not among --sources init,order`);
    expect(() => classifyRuns(study({ design: "one-at-a-time", sources: ["init"] }), [base, run("s43", { ...all(42), split: 43 }, 0.7)])).toThrow("varies split, which is not among --sources init");
  });
  test("all: refuses a run whose sources do not share one seed; none: refuses runs with different seeds", () => {
    const a = run("a", all(42), 0.7);
    const pinned = run("pinned", { ...all(43), init: 7 }, 0.7, 43);
    expect(() => classifyRuns(study({ design: "all" }), [a, pinned])).toThrow(`${pinned.dir} does not draw every source from one seed`);
    expect(() => classifyRuns(study({ design: "none" }), [a, run("b", all(43), 0.7, 43)])).toThrow("the control repeats one run");
    expect(() => classifyRuns(study({ design: "all" }), [a, run("again", all(42), 0.7)])).toThrow("repeats of one run belong in a --design none study");
  });
  test("crossed: the grid must be complete, naming the missing cell", () => {
    const cells = [
      run("c00", all(42), 0.7),
      run("c01", { ...all(42), init: 43 }, 0.71),
      run("c10", { ...all(42), split: 43 }, 0.65),
    ];
    expect(() => classifyRuns(study({ design: "crossed", sources: ["split", "init"] }), cells)).toThrow("the 2 × 2 grid of split × init lacks split 43 × init 43");
  });
});

describe("analyseStudy(study, runs, confidence)", () => {
  test("one-at-a-time: each source's variance is its runs' sample variance, shares of the sum", () => {
    const runs = [run("base", all(42), 0.7), run("i43", { ...all(42), init: 43 }, 0.74), run("i44", { ...all(42), init: 44 }, 0.72), run("s43", { ...all(42), split: 43 }, 0.6), run("s44", { ...all(42), split: 44 }, 0.65)];
    const { body } = analyseStudy(study({ design: "one-at-a-time", n: 3, sources: ["split", "init"] }), runs, 0.95);
    const acc = body.metrics.accuracy;
    const [split, init] = acc.components;
    // init: 0.70, 0.74, 0.72 → mean 0.72, s² = (0.0004 + 0.0004 + 0) / 2 = 0.0004.
    expect(init?.variance).toBeCloseTo(0.0004, 15);
    // split: 0.70, 0.60, 0.65 → mean 0.65, s² = (0.0025 + 0.0025) / 2 = 0.0025.
    expect(split?.variance).toBeCloseTo(0.0025, 15);
    expect(acc.total.variance).toBeCloseTo(0.0029, 15);
    expect(split?.share).toBeCloseTo(0.0025 / 0.0029, 12);
    expect(split?.runs).toEqual([0, 3, 4].map((i) => runs[i]?.dir as string));
    expect(split?.sd_ci_low).toBeLessThan(0.05);
    expect(split?.sd_ci_high as number).toBeGreaterThan(0.05);
    expect(body.control).toBeNull();
  });
  test("crossed: the components are crossedComponents of the grid (rows: first source's levels)", () => {
    const acc = [
      [0.7, 0.72],
      [0.6, 0.66],
    ];
    const runs = [0, 1].flatMap((i) => [0, 1].map((j) => run(`c${i}${j}`, { ...all(42), split: 42 + i, init: 42 + j }, acc[i]?.[j] as number)));
    const { body } = analyseStudy(study({ design: "crossed", sources: ["split", "init"] }), runs, 0.95);
    const expected = crossedComponents(acc);
    expect(body.metrics.accuracy.components.map((c) => [c.source, c.variance])).toEqual([
      ["split", expected.a.variance],
      ["init", expected.b.variance],
      ["residual", expected.residual.variance],
    ]);
  });
  test("none: identical weights and metrics are bit-identical, variance exactly 0; differing ones are not", () => {
    const same = [0, 1, 2].map((i) => readStudyRun(makeRunDir(join(tmp, `n${i}`), { seed: 42, seeds: all(42), patients: 12, metrics: { acc: 0.7 }, weightsSha256: "abc" })));
    const { body } = analyseStudy(study({ design: "none", n: 3 }), same, 0.95);
    expect(body.control?.bit_identical).toBe(true);
    expect(body.metrics.accuracy.components[0]).toMatchObject({ source: "none", variance: 0, ci_low: 0, ci_high: 0 });
    const other = readStudyRun(makeRunDir(join(tmp, "n3"), { seed: 42, seeds: all(42), patients: 12, metrics: { acc: 0.7 }, weightsSha256: "abd" }));
    const { body: broken } = analyseStudy(study({ design: "none", n: 3 }), [...same, other], 0.95);
    expect(broken.control).toMatchObject({ bit_identical: false, distinct_weights: 2 });
    expect(broken.control?.verdict).toContain("NOT bit-identical");
  });
  test("runs of another configuration are refused, naming the key", () => {
    const a = run("a", all(42), 0.7);
    const b = readStudyRun(makeRunDir(join(tmp, "b"), { seed: 43, seeds: all(43), patients: 12, config: { lr: 0.01 } }));
    expect(() => analyseStudy(study({ design: "all" }), [a, b], 0.95)).toThrow("the study's runs differ in config.lr");
  });
});

test("evaluationNoise: two patients, one right and one wrong: accuracy 0, ½ or 1 with p ¼, ½, ¼, variance ⅛", () => {
  const run = { file: "x", yTrue: Int32Array.from([0, 1]), yPred: Int32Array.from([0, 2]), probs: [Float64Array.from([1, 0, 0, 0]), Float64Array.from([0, 0, 1, 0])], groups: ["patient:a", "patient:b"] };
  const noise = evaluationNoise([run, run], 8000, (i) => stream(1, `eval/${i}`));
  expect(noise.accuracy.runs).toBe(2);
  expect(Math.abs((noise.accuracy.variance as number) - 0.125)).toBeLessThan(0.005);
});
