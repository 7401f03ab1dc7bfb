import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { routeTrainDensity } from "../../../cli/reference.ts";
import { parseArgs } from "../../../cli/argv.ts";
import { loadTask, runTask } from "../../../lib/task/index.ts";

const ROOT = join(import.meta.dir, "..", "..", "..");
const dir = mkdtempSync(join(tmpdir(), "train-density-"));
const cohort = join(dir, "cohort");
const csv = join(cohort, "classificacao.csv");

beforeAll(async () => {
  await runTask("synth", { outdir: cohort, accessions: 24, seed: 9, imageSize: 32, encodings: ["explicit-le"] }, { quiet: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `mammography <args>` (bin/mammography.ts) in a child process. */
function mammography(args: string[]) {
  const proc = Bun.spawnSync([process.execPath, "bin/mammography.ts", ...args], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  return { code: proc.exitCode, stdout: proc.stdout.toString(), stderr: proc.stderr.toString() };
}

const small = ["--dicom-root", join(cohort, "archive"), "--arch", "small-cnn", "--backend", "wasm", "--img-size", "16", "--batch-size", "8", "--epochs", "1", "--cache-dir", join(dir, "cache")];

describe("routeTrainDensity (the reference's train-density spelling)", () => {
  test("--cv-folds k ≥ 2 runs the cv task with --cv-folds/--cv-outdir and drops --outdir", () => {
    const r = routeTrainDensity("train-density", ["--", "--csv", "c.csv", "--outdir", "o", "--cv-folds", "3", "--cv-outdir=cvd", "--seed", "42"]);
    expect(r.task).toBe("cv");
    expect(r.argv).toEqual(["--", "--csv", "c.csv", "--seed", "42", "--cv-folds", "3", "--cv-outdir", "cvd"]);
    expect(r.note).toContain("--outdir dropped");
  });

  test("--cv-folds 1 or none runs train (--cv-outdir unused); other task names pass through unchanged", () => {
    expect(routeTrainDensity("train-density", ["--csv", "c.csv", "--cv-folds", "1", "--cv-outdir", "x", "--outdir", "o"])).toEqual({
      task: "train",
      argv: ["--csv", "c.csv", "--outdir", "o"],
      note: "--cv-folds 1: hold-out training (--cv-outdir x unused)",
    });
    expect(routeTrainDensity("train-density", ["--csv", "c.csv"])).toEqual({ task: "train", argv: ["--csv", "c.csv"], note: null });
    expect(routeTrainDensity("train", ["--cv-folds", "3"])).toEqual({ task: "train", argv: ["--cv-folds", "3"], note: null });
    expect(() => routeTrainDensity("train-density", ["--cv-folds", "two"])).toThrow("invalid --cv-folds: two");
  });

  test("mammography train-density -- … --cv-folds 2 --cv-outdir D trains both folds under D and writes cv_summary.json", () => {
    const cvOutdir = join(dir, "results_k");
    const outdir = join(dir, "not_used");
    const r = mammography(["train-density", "--", "--csv", csv, ...small, "--outdir", outdir, "--cv-folds", "2", "--cv-outdir", cvOutdir, "--seed", "42"]);
    expect(r.stderr).toContain("--cv-folds 2: running the cv task");
    expect(r.code).toBe(0);
    const summary = JSON.parse(readFileSync(join(cvOutdir, "cv_summary.json"), "utf8")) as { k: number; folds: { fold: number }[] };
    expect(summary.k).toBe(2);
    expect(summary.folds.map((f) => f.fold)).toEqual([1, 2]);
    for (const k of [1, 2]) expect(existsSync(join(cvOutdir, `fold_${k}`, "results", "summary.json"))).toBe(true);
    expect(existsSync(outdir)).toBe(false);
  }, 120_000);
});

describe("--format wherever a CSV is read", () => {
  test("train, cv and hpo accept --format; train reads the CSV in that format", async () => {
    for (const name of ["train", "cv", "hpo"]) {
      const task = await loadTask(name);
      expect(parseArgs(task, ["--format", "classificacao"]).params.format).toBe("classificacao");
    }
    const r = mammography(["train", "--csv", csv, ...small, "--format", "vindr", "--outdir", join(dir, "fmt")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("missing required column study_id");
    expect(r.stderr).toContain("for format vindr");
  });

  test("train --format paths reads a path-based CSV", async () => {
    const rows = readFileSync(csv, "utf8").trim().split("\n").slice(1).map((l) => l.split(","));
    const { readdirSync } = await import("node:fs");
    const paths = join(dir, "paths.csv");
    writeFileSync(paths, `image_path,label\n${rows.map(([acc, label]) => `${acc}/${readdirSync(join(cohort, "archive", acc as string)).sort()[0]},${label}`).join("\n")}\n`);
    const result = await runTask("train", { csv: paths, dicomRoot: join(cohort, "archive"), arch: "small-cnn", backend: "wasm", imgSize: 16, batchSize: 8, epochs: 1, cacheDir: join(dir, "cache"), format: "paths", runDir: join(dir, "paths_run") }, { quiet: true });
    const summary = JSON.parse(readFileSync(join(result.path as string, "summary.json"), "utf8")) as { format: string; n_train: number; n_val: number };
    expect(summary.format).toBe("paths");
    // Class-5 rows are left out, as with classificacao.csv.
    expect(summary.n_train + summary.n_val).toBe(rows.filter(([, label]) => label !== "5").length);
  }, 120_000);
});
