import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { diffRuns, filterRuns, findRunDirs, markRun, readRunRow, runColumns, sortRuns } from "../../../lib/runs/index.ts";
import { PUBLISHED_RUNS, writeRunDir } from "../report/fixtures.ts";

const ROOT = resolve(import.meta.dir, "..", "..", "..");
let root: string;
let outdir: string;

/** `bun run task runs …` as a user types it; stdout, stderr and the exit code. */
function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ["cli/main.ts", "runs", ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "runs-"));
  outdir = join(root, "outputs", "density");
  PUBLISHED_RUNS.forEach((spec) => writeRunDir(join(outdir, spec.name), spec));
  // Seed 44 was trained with another learning rate: the only param that differs.
  const s44 = join(outdir, "results_6", "summary.json");
  const summary = JSON.parse(readFileSync(s44, "utf8"));
  summary.config.lr = 0.001;
  writeFileSync(s44, JSON.stringify(summary));
  mkdirSync(join(outdir, "results_7"));
  markRun(join(outdir, "results_7"), "failed", new Date("2026-01-01T00:00:00Z"), "no such file: classificacao.csv");
  mkdirSync(join(outdir, "results_8"));
  writeFileSync(join(outdir, "results_8", "run.log"), "");
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("runs library", () => {
  test("findRunDirs finds every run directory under a root, in path order", () => {
    expect(findRunDirs([join(root, "outputs")]).map((d) => d.slice(outdir.length + 1))).toEqual(["results_4", "results_5", "results_6", "results_7", "results_8"]);
  });
  test("readRunRow reads seed, status, backend, duration and the best-epoch metrics", () => {
    const row = readRunRow(join(outdir, "results_4"));
    expect(row).toMatchObject({ run: "results_4", seed: 42, status: "finished", backend: "cpu", bestEpoch: 7 });
    // 10 epochs × 12.5 s in train_history.csv.
    expect(row.durationSeconds).toBe(125);
    expect(row.metrics.accuracy).toBe(0.676);
    expect(row.metrics.bal_acc).toBe(0.551);
    expect(readRunRow(join(outdir, "results_7"))).toMatchObject({ status: "failed", error: "no such file: classificacao.csv", seed: null });
    expect(readRunRow(join(outdir, "results_8")).status).toBe("incomplete");
  });
  test("runColumns lists only the params that differ between the runs", () => {
    const rows = ["results_4", "results_5", "results_6"].map((r) => readRunRow(join(outdir, r)));
    const names = runColumns(rows).map((c) => c.name);
    expect(names.filter((n) => n.startsWith("params."))).toEqual(["params.lr"]);
    expect(names.slice(0, 7)).toEqual(["run", "seed", "fold", "status", "backend", "duration_s", "best_epoch"]);
  });
  test("sortRuns(-macro_f1) puts 43 (0.588) before 42 (0.584) before 44 (0.564); filterRuns keeps macro_f1>=0.58", () => {
    const rows = ["results_4", "results_5", "results_6"].map((r) => readRunRow(join(outdir, r)));
    expect(sortRuns(rows, "-macro_f1").map((r) => r.seed)).toEqual([43, 42, 44]);
    expect(sortRuns(rows, "params.lr").map((r) => r.seed)).toEqual([42, 43, 44]);
    expect(filterRuns(rows, ["macro_f1>=0.58"]).map((r) => r.seed)).toEqual([42, 43]);
    expect(filterRuns(rows, ["params.lr<1e-3", "seed!=42"]).map((r) => r.seed)).toEqual([43]);
    expect(() => sortRuns(rows, "macro_f2")).toThrow("invalid --sort: macro_f2 (no such column;");
    expect(() => filterRuns(rows, ["macro_f1 ~ 3"])).toThrow("invalid --filter: macro_f1 ~ 3 (expected NAME OP VALUE");
  });
  test("diffRuns names the differing param, data and environment fields", () => {
    const diff = diffRuns(readRunRow(join(outdir, "results_4")), readRunRow(join(outdir, "results_6")));
    expect(diff).toEqual([
      { section: "params", field: "lr", a: 0.0001, b: 0.001 },
      { section: "data", field: "split_hash", a: "split-42", b: "split-44" },
    ]);
  });
});

describe("runs task (CLI)", () => {
  test("runs DIR --json prints one JSON array of the finished runs with dir, seed, status and best-epoch metrics", () => {
    const r = cli(join(root, "outputs"), "--json");
    expect(r.status).toBe(0);
    const runs = JSON.parse(r.stdout) as { dir: string; seed: number; status: string; metrics: Record<string, number> }[];
    expect(runs.map((x) => [x.dir, x.seed, x.status])).toEqual([
      [join(outdir, "results_4"), 42, "finished"],
      [join(outdir, "results_5"), 43, "finished"],
      [join(outdir, "results_6"), 44, "finished"],
    ]);
    expect(runs[1]?.metrics.kappa_quadratic).toBe(0.756);
    // One warning, on stderr, naming both runs that did not finish.
    expect(r.stderr.match(/skipping/g)?.length).toBe(1);
    expect(r.stderr).toContain(`${join(outdir, "results_7")} (failed: no such file: classificacao.csv), ${join(outdir, "results_8")} (incomplete)`);
  });
  test("runs DIR --all --csv --sort seed shows failed and incomplete runs with their status", () => {
    const r = cli(join(root, "outputs"), "--all", "--csv", "--sort", "-seed");
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toBe("run,seed,fold,status,backend,duration_s,best_epoch,params.lr,accuracy,kappa_quadratic,macro_f1,weighted_f1,auc_ovr,bal_acc");
    expect(lines.slice(1).map((l) => l.split(",").slice(0, 4).join(","))).toEqual(["results_6,44,,finished", "results_5,43,,finished", "results_4,42,,finished", "results_7,,,failed", "results_8,,,incomplete"]);
  });
  test("runs A B --diff prints the fields that differ", () => {
    const r = cli(join(outdir, "results_4"), join(outdir, "results_6"), "--diff");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/params\s+lr\s+0\.0001\s+0\.001/);
    expect(r.stdout).toMatch(/data\s+split_hash\s+"split-42"\s+"split-44"/);
  });
  test("runs with a missing directory exits 2 naming it", () => {
    const r = cli(join(root, "nope"));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`directory not found: ${join(root, "nope")}`);
  });
});
