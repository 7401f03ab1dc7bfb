import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { readJson } from "../../../lib/artifacts/index.ts";
import { valMetricsSchema } from "../../../lib/metrics/index.ts";
import { runTask } from "../../../lib/task/index.ts";
import { writeTinyExperiment } from "./tiny-experiment.ts";

const ROOT = resolve(import.meta.dir, "..", "..", "..");
const dir = mkdtempSync(join(tmpdir(), "pipeline-kill-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The artifacts of both training runs that must not depend on an interruption (timings left out). */
function trainingArtifacts(outdir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const seed of [42, 43]) {
    const run = join(outdir, "runs", `seed_${seed}`, "results");
    out[`${seed}/weights.bin`] = readFileSync(join(run, "best_model", "weights.bin")).toString("base64");
    out[`${seed}/model.json`] = readFileSync(join(run, "best_model", "model.json"), "utf8");
    // The metrics without the envelope, whose createdAt is the time of writing.
    out[`${seed}/val_metrics.json`] = JSON.stringify(readJson(join(run, "metrics", "val_metrics.json"), valMetricsSchema));
    out[`${seed}/val_predictions.csv`] = readFileSync(join(run, "val_predictions.csv"), "utf8");
    const history = readFileSync(join(run, "train_history.csv"), "utf8").trim().split("\n").map((l) => l.split(","));
    const drop = history[0]?.indexOf("seconds") ?? -1;
    out[`${seed}/train_history`] = history.map((r) => r.filter((_, i) => i !== drop).join(",")).join("\n");
    const summary = JSON.parse(readFileSync(join(run, "summary.json"), "utf8")) as Record<string, unknown>;
    out[`${seed}/summary`] = JSON.stringify([summary.weights_sha256, summary.final_weights_sha256, summary.best_epoch, summary.val_metrics, summary.split_hash, summary.data_fingerprint]);
  }
  return out;
}

test("a pipeline killed with SIGKILL mid-training and restarted ends with the artifacts of an uninterrupted run", async () => {
  const experiment = writeTinyExperiment(dir, "exp", { epochs: 6 });
  const outdir = join(dir, "exp");
  await runTask("pipeline", { experiment }, { quiet: true });
  const uninterrupted = trainingArtifacts(outdir);
  rmSync(outdir, { recursive: true, force: true });

  // setsid: the pipeline and its task processes form one process group, killed together.
  const child = Bun.spawn(["setsid", process.execPath, join(ROOT, "cli", "main.ts"), "pipeline", experiment, "--jobs", "2", "--quiet"], { stdout: "ignore", stderr: "ignore" });
  const checkpoint = join(outdir, "runs", "seed_42", "results", "checkpoint", "last.ckpt");
  const deadline = Date.now() + 90_000;
  while (!existsSync(checkpoint)) {
    if (Date.now() > deadline) throw new Error("training never wrote a checkpoint");
    await Bun.sleep(50);
  }
  process.kill(-child.pid, "SIGKILL");
  await child.exited;
  expect(existsSync(join(outdir, "runs", "seed_42", "results", "summary.json"))).toBe(false);

  const restarted = await runTask("pipeline", { experiment }, { quiet: true });
  const outcomes = restarted.outcomes as { id: string; status: string; resumed?: boolean }[];
  expect(outcomes.find((o) => o.id === "synth")?.status).toBe("cached");
  expect(outcomes.find((o) => o.id === "train/seed-42")).toMatchObject({ status: "ran", resumed: true });
  expect(trainingArtifacts(outdir)).toEqual(uninterrupted);

  // And an unchanged experiment run again does no training at all.
  const again = await runTask("pipeline", { experiment }, { quiet: true });
  expect((again.outcomes as { status: string }[]).every((o) => o.status === "cached")).toBe(true);
});
