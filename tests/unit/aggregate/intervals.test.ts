import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadTask, quietContext, validateParams } from "../../../lib/task/index.ts";
import { makeRunDir } from "./make-runs.ts";

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), "aggregate-intervals-"));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

type Stat = Record<string, number | string | null>;

/** Runs the aggregate task with a logger that keeps its lines. */
async function aggregate(params: Record<string, unknown>): Promise<{ out: { metrics: Record<string, Stat>; part: string; part_note: string }; lines: string[] }> {
  const task = await loadTask("aggregate");
  const ctx = quietContext("aggregate");
  const lines: string[] = [];
  const keep = (m: string) => void lines.push(m);
  ctx.log = { ...ctx.log, info: keep, warn: keep };
  const result = await task.run(validateParams(task, { outdir: join(tmp, "agg"), bootstrap: 0, ...params }) as never, ctx);
  return { out: JSON.parse(readFileSync(result.path as string, "utf8")), lines };
}

describe("aggregate intervals respect each metric's range", () => {
  test("three seeds of a rare class's F1 whose ordinary t interval is [−0.48, 1.51] get a logit interval inside [0, 1]", async () => {
    // f1_C per seed: 0.1, 0.9, 0.55 → mean 0.517, s 0.401, ordinary 95 % interval [−0.48, 1.51].
    [0.1, 0.9, 0.55].forEach((f1, i) => {
      const dir = makeRunDir(join(tmp, "runs", `results_${i}`), { seed: 42 + i });
      const path = join(dir, "metrics", "val_metrics.json");
      const vm = JSON.parse(readFileSync(path, "utf8"));
      vm.classification_report.C["f1-score"] = f1;
      writeFileSync(path, JSON.stringify(vm));
    });
    const { out, lines } = await aggregate({ run: [join(tmp, "runs")] });
    const f1c = out.metrics.f1_C!;
    expect(f1c.t_ci_scale).toBe("logit");
    expect(f1c.t_ci_low as number).toBeGreaterThan(0);
    expect(f1c.t_ci_high as number).toBeLessThan(1);
    // The table's note says plainly that three values make a wide t interval.
    expect(lines.some((l) => l.includes("a t interval on 3 values is wide") && l.includes("4.30 standard errors"))).toBe(true);
  });

  test("a metric with a value on its bound gets the clipped interval, marked * in the table", async () => {
    [0, 0.2, 0.4].forEach((f1, i) => {
      const dir = makeRunDir(join(tmp, "runs", `results_${i}`), { seed: 42 + i });
      const path = join(dir, "metrics", "val_metrics.json");
      const vm = JSON.parse(readFileSync(path, "utf8"));
      vm.classification_report.A["f1-score"] = f1;
      writeFileSync(path, JSON.stringify(vm));
    });
    const { out, lines } = await aggregate({ run: [join(tmp, "runs")] });
    expect(out.metrics.f1_A!.t_ci_scale).toBe("clipped");
    expect(out.metrics.f1_A!.t_ci_low).toBe(0);
    expect(lines.some((l) => /^f1_A .*\]\*/.test(l))).toBe(true);
    expect(lines.some((l) => l.startsWith("* t interval clipped") && l.includes("f1_A"))).toBe(true);
  });

  test("resamples on which the AUC is undefined are counted in boot_undefined, the table and a warning", async () => {
    // 10 patients whose labels cycle through the 4 classes: many resamples miss a class.
    for (const seed of [42, 43, 44]) makeRunDir(join(tmp, "runs", `results_${seed}`), { seed, patients: 10 });
    const { out, lines } = await aggregate({ run: [join(tmp, "runs")], bootstrap: 300 });
    const auc = out.metrics.auc_ovr!;
    expect(auc.boot_undefined as number).toBeGreaterThan(0);
    expect(auc.boot_undefined as number).toBeLessThan(300);
    expect(out.metrics.accuracy!.boot_undefined).toBe(0);
    expect(lines.some((l) => l.startsWith("auc_ovr") && l.includes(`${auc.boot_undefined}/300`))).toBe(true);
    expect(lines.some((l) => l.includes(`bootstrap auc_ovr: undefined on ${auc.boot_undefined} of 300 resamples`))).toBe(true);
  });
});

describe("aggregate --part", () => {
  test("--part test reads metrics/test_metrics.json and test_predictions.csv and says the test part was never used for selection", async () => {
    for (const seed of [42, 43]) {
      const dir = makeRunDir(join(tmp, "runs", `results_${seed}`), { seed, patients: 12 });
      const vm = JSON.parse(readFileSync(join(dir, "metrics", "val_metrics.json"), "utf8"));
      writeFileSync(join(dir, "metrics", "test_metrics.json"), JSON.stringify({ ...vm, acc: seed === 42 ? 0.5 : 0.6 }));
      copyFileSync(join(dir, "val_predictions.csv"), join(dir, "test_predictions.csv"));
    }
    const { out } = await aggregate({ run: [join(tmp, "runs")], part: "test" });
    expect(out.part).toBe("test");
    expect(out.part_note).toContain("never used for training, early stopping or model selection");
    expect(out.metrics.accuracy!.mean).toBeCloseTo(0.55, 12);
    const val = await aggregate({ run: [join(tmp, "runs")] });
    expect(val.out.part_note).toContain("optimistic");
  });

  test("--part test on runs without a test part is refused, naming the missing file", async () => {
    const dir = makeRunDir(join(tmp, "runs", "results"), { seed: 42 });
    const err = (await aggregate({ run: [dir], part: "test" }).catch((e: Error) => e)) as Error;
    expect(err.message).toContain(join(dir, "metrics", "test_metrics.json"));
    expect(err.message).toContain("--test-frac");
  });
});

test("summaryTable(metrics, σ, c, resamples) writes k/B undefined resamples; without B (an older caller) the count alone", async () => {
  const { summaryTable, METRIC_NAMES } = await import("../../../lib/aggregate/index.ts");
  const one = { n: 3, mean: 0.9, std: 0.01, cv_pct: 1, se: 0.006, t_ci_low: 0.87, t_ci_high: 0.92, t_ci_scale: "logit" as const, boot_ci_low: 0.85, boot_ci_high: 0.95, boot_bca_low: 0.84, boot_bca_high: 0.94, boot_undefined: 7, median: 0.9, min: 0.89, max: 0.91 };
  const metrics = Object.fromEntries(METRIC_NAMES.map((m) => [m, one])) as never;
  expect(summaryTable(metrics, "sample", 0.95, 5000)[1]).toEndWith("[0.840, 0.940]  7/5000");
  expect(summaryTable(metrics, "sample", 0.95)[1]).toEndWith("[0.840, 0.940]  7");
});
