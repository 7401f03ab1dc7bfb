import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TaskError } from "../../../lib/errors/index.ts";
import { runState } from "../../../lib/runs/index.ts";
import { runTask } from "../../../lib/task/index.ts";
import { tinyTraining } from "./tiny-training.ts";

const dir = mkdtempSync(join(tmpdir(), "train-failsafe-"));
const training = tinyTraining(dir);
const cohort = training.cohort;
const base = { ...training.base, epochs: 1 };

beforeAll(async () => {
  await runTask("synth", { outdir: cohort, accessions: 24, seed: 5, imageSize: 32, encodings: ["explicit-le"] }, { quiet: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `train` and returns its error (it must fail). */
async function failure(params: Record<string, unknown>): Promise<Error> {
  try {
    await runTask("train", { ...base, ...params }, { quiet: true });
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    return err as Error;
  }
  throw new Error("train did not fail");
}

describe("train refuses bad input before making a run directory", () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["a missing --csv", { csv: join(dir, "nope.csv") }, /--csv .*nope\.csv: no such file/],
    ["a missing --dicom-root", { dicomRoot: join(dir, "no-archive") }, /--dicom-root .*no-archive: no such directory/],
    ["--img-size 8 for efficientnet-b0", { arch: "efficientnet-b0", imgSize: 8 }, /invalid --img-size: 8 \(expected an integer ≥ 32/],
    ["a missing --embeddings-dir", { embeddingsDir: join(dir, "no-embeddings") }, /--embeddings-dir .*no-embeddings: no such directory/],
    ["a missing --split", { split: join(dir, "no-split.json") }, /--split .*no-split\.json: no such file/],
  ];
  for (const [what, params, message] of cases) {
    test(`runTask('train') with ${what} exits 2 and leaves no results*`, async () => {
      const outdir = join(dir, `bad-${what.replace(/\W+/g, "-")}`);
      const err = await failure({ ...params, outdir });
      expect(err).toBeInstanceOf(TaskError);
      expect((err as TaskError).exitCode).toBe(2);
      expect(err.message).toMatch(message);
      expect(existsSync(outdir)).toBe(false);
    });
  }

  test("runTask('train') on an archive below --min-readable fails and leaves no results*", async () => {
    const damaged = join(dir, "damaged");
    mkdirSync(damaged);
    // Every accession's DICOM replaced by text: nothing is readable.
    for (const acc of readdirSync(base.dicomRoot)) {
      mkdirSync(join(damaged, acc));
      writeFileSync(join(damaged, acc, "x.dcm"), "not a DICOM file");
    }
    const outdir = join(dir, "unreadable");
    const err = await failure({ dicomRoot: damaged, outdir });
    expect(err.message).toMatch(/^only 0\/\d+ DICOM files are readable/);
    expect(existsSync(outdir)).toBe(false);
  });
});

describe("a run that fails after its directory exists", () => {
  test("runTask('train') writes the error into run.log and status.json says failed", async () => {
    const runDir = join(dir, "fails", "results");
    // A file where the best model's directory goes: saving the first epoch's model fails.
    mkdirSync(runDir, { recursive: true });
    writeFileSync(join(runDir, "best_model"), "in the way");
    const err = await failure({ runDir });
    expect(existsSync(join(runDir, "summary.json"))).toBe(false);
    const state = runState(runDir);
    expect(state.state).toBe("failed");
    expect(state.error).toBe(err.message);
    const log = readFileSync(join(runDir, "run.log"), "utf8");
    // The lines logged before the directory existed come first, the error last.
    expect(log.split("\n")[0]).toMatch(/\[INFO\] starting training run$/);
    expect(log.trim().split("\n").at(-1)).toContain(`[ERROR] run failed: ${err.message}`);
  });

  test("aggregate skips a failed run and an incomplete one with one warning naming them", async () => {
    const outdir = join(dir, "mixed");
    await runTask("train", { ...base, outdir }, { quiet: true });
    const good = join(outdir, "results");
    const failed = join(outdir, "results_1");
    const incomplete = join(outdir, "results_2");
    mkdirSync(failed);
    writeFileSync(join(failed, "status.json"), JSON.stringify({ status: "failed", error: "disk full", updated_at: "2026-01-01T00:00:00.000Z" }));
    mkdirSync(incomplete);
    writeFileSync(join(incomplete, "run.log"), "");
    const warnings: string[] = [];
    const log = { debug() {}, info() {}, warn: (m: string) => void warnings.push(m), error() {}, attachFile() {}, detachFile() {} };
    const { runTask: run } = await import("../../../lib/task/index.ts");
    const { createContext } = await import("../../../lib/task/context.ts");
    const def = (await import("../../../tasks/aggregate.ts")).default;
    const ctx = { ...createContext("aggregate", {}, { quiet: true }, (n, p, o) => run(n, p, o)), log };
    const params = def.params.parse({ run: [join(outdir, "results*")], outdir: join(dir, "agg") });
    await def.run(params, ctx);
    expect(warnings.filter((w) => w.startsWith("skipping"))).toEqual([`skipping 2 runs that did not finish: ${failed} (failed: disk full); ${incomplete} (incomplete: no summary.json)`]);
    const agg = JSON.parse(readFileSync(join(dir, "agg", "aggregate.json"), "utf8")) as { runs: { dir?: string; run_dir?: string }[] };
    expect(agg.runs.length).toBe(1);
    expect(JSON.stringify(agg.runs[0])).toContain(good);
  });
});
