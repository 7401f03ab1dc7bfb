import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runTask } from "../../../lib/task/index.ts";
import { trainingArtifacts, writeTinyExperiment } from "../../unit/pipeline/tiny-experiment.ts";

const ROOT = resolve(import.meta.dir, "..", "..", "..");
const dir = mkdtempSync(join(tmpdir(), "pipeline-kill-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
