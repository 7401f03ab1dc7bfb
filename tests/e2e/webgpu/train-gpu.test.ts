import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { writeArtifact } from "../../../lib/artifacts/index.ts";
import { initBackend } from "../../../lib/backend/index.ts";
import { TaskError } from "../../../lib/errors/index.ts";
import { runTask } from "../../../lib/task/index.ts";
import { found, noAdapter, restoreBackend } from "./harness.ts";

// `train-gpu` means a GPU: on a machine whose only WebGPU adapter is a software one (CI, this
// machine) it refuses in one line, exit 2, leaving nothing behind; `--allow-software-gpu` trains
// on it and records the adapter in summary.json and in every artifact's provenance.

const root = join(import.meta.dir, "..", "..", "..");
const dir = mkdtempSync(join(tmpdir(), "train-gpu-"));
const cohort = join(dir, "cohort");
const softwareOnly = found !== null && found.info.software;
const flags = (outdir: string) => [
  "--csv", join(cohort, "classificacao.csv"), "--dicom-root", join(cohort, "archive"), "--cache-dir", join(dir, "cache"), "--outdir", outdir,
  "--arch", "small-cnn", "--img-size", "16", "--batch-size", "4", "--epochs", "1",
];

beforeAll(async () => {
  await runTask("synth", { outdir: cohort, accessions: 24, seed: 3, imageSize: 32, encodings: ["explicit-le"] }, { quiet: true });
  // with a held-out test part, which train evaluates once at the end (on the GPU: read asynchronously)
  await runTask("split", { csv: join(cohort, "classificacao.csv"), dicomRoot: join(cohort, "archive"), seed: 42, valFrac: 0.25, testFrac: 0.2, outdir: join(dir, "split") }, { quiet: true });
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (!noAdapter) await restoreBackend();
});

describe.skipIf(!softwareOnly)("train-gpu where the only WebGPU adapter is a software one", () => {
  test("bun run task train-gpu exits 2 with one line naming the adapter it found, and writes nothing", () => {
    const outdir = join(dir, "refused");
    const run = Bun.spawnSync([process.execPath, "cli/main.ts", "train-gpu", ...flags(outdir)], { cwd: root });
    expect(run.exitCode).toBe(2);
    const stderr = run.stderr.toString();
    expect(stderr.trimEnd().split("\n")).toEqual([
      `error: no GPU: the only WebGPU adapter is ${found!.info.description.split(": ")[0]} (software); @tensorflow/tfjs-node-gpu is not installed (--allow-software-gpu trains on the software adapter, for tests)`,
    ]);
    expect(existsSync(outdir)).toBe(false);
  });

  test('initBackend("gpu") is a TaskError no_gpu (exit 2); with allowSoftwareGpu it is webgpu on the software adapter', async () => {
    const err = await initBackend("gpu").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect((err as TaskError).code).toBe("no_gpu");
    expect((err as TaskError).exitCode).toBe(2);
    const backend = await initBackend("gpu", undefined, { allowSoftwareGpu: true });
    expect(backend.name).toBe("webgpu");
    expect(tf.getBackend()).toBe("webgpu");
    expect(backend.gpu?.software).toBe(true);
    expect(backend.stepsPerRead).toBeGreaterThan(1);
  });

  test("train-gpu --allow-software-gpu trains (and evaluates the held-out test part), and summary.json and every artifact record the adapter", async () => {
    const outdir = join(dir, "allowed");
    const args = flags(outdir);
    const params: Record<string, unknown> = { allowSoftwareGpu: true, split: join(dir, "split", "split.json") };
    for (let i = 0; i < args.length; i += 2) params[args[i]!.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = /^\d+$/.test(args[i + 1]!) ? Number(args[i + 1]) : args[i + 1];
    const result = await runTask("train-gpu", params, { quiet: true });
    const runDir = result.path as string;
    const summary = JSON.parse(readFileSync(join(runDir, "summary.json"), "utf8"));
    expect(summary.backend).toBe("webgpu");
    expect(summary.backend_requested).toBe("gpu");
    expect(summary.backend_details).toMatchObject({ adapter_vendor: found!.info.vendor, adapter_description: found!.info.description, adapter_software: "true" });
    expect(summary.provenance.gpu).toEqual({ ...found!.info });
    expect(readdirSync(runDir)).toContain("best_model");
    expect(existsSync(join(runDir, "metrics", "test_metrics.json"))).toBe(true);
    // any other artifact this process writes now (cv_summary.json, aggregate.json, …) carries it too
    const other = writeArtifact(join(dir, "other.json"), {}, { task: "aggregate", params: {}, createdAt: new Date(0) });
    expect(other.provenance.gpu).toEqual({ ...found!.info });
  });
});
