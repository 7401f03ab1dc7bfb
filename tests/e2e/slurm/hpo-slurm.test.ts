import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTask } from "../../../lib/task/index.ts";
import { describeWith } from "../../support/requirements.ts";
import { runArtifacts } from "../../unit/pipeline/tiny-experiment.ts";
import { tinyTraining } from "../train/tiny-training.ts";
import { jobsInLog, queue, scancel, scontrol, startCluster, stopCluster, until } from "./cluster.ts";

interface HpoSummary {
  trials: { number: number; name: string; params: Record<string, unknown>; state: string; value: number | null; run_dir: string | null; error: string | null }[];
  promoted: { trial: number; runs: { seed: number; runDir: string; value: number | null }[]; mean: number | null }[];
}
const summary = (outdir: string) => JSON.parse(readFileSync(join(outdir, "hpo_summary.json"), "utf8")) as HpoSummary;

/** The Slurm jobs that ran a trial or a promoted run (`trial_0003`, `trial_0003_seed_43`), from the lines each writes to its log. */
const jobsOf = (outdir: string, name: string) => jobsInLog(join(outdir, "logs", `${name}.log.err`));

describeWith(["slurm"])("hpo --launcher slurm on a local one-node cluster", () => {
  const dir = mkdtempSync(join(tmpdir(), "hpo-slurm-"));
  const clusterDir = join(dir, "cluster");
  const space = join(dir, "space.json");
  const { cohort, base: training } = tinyTraining(dir);
  const base = {
    ...training,
    epochs: 3,
    space,
    sampler: "random",
    nTrials: 4,
    // One at a time, so the median pruner sees the same earlier trials on both launchers.
    workers: 1,
    prune: true,
  };

  beforeAll(async () => {
    process.env.SLURM_CONF = startCluster(clusterDir);
    await runTask("synth", { outdir: cohort, accessions: 30, seed: 9, imageSize: 32, encodings: ["explicit-le"] }, { quiet: true });
    writeFileSync(space, JSON.stringify({ params: { lr: { type: "float", low: 1e-3, high: 1e-2, log: true }, batchSize: { type: "categorical", choices: [4, 8] } }, fixed: { backboneLr: 1e-3 }, objective: "macro_f1" }));
  });
  afterAll(() => {
    stopCluster(clusterDir);
    delete process.env.SLURM_CONF;
    rmSync(dir, { recursive: true, force: true });
  });

  test("trials run as Slurm jobs, one job each with --workers 1, and the study (states, values, pruning) equals the local one", async () => {
    await runTask("hpo", { ...base, outdir: join(dir, "local") }, { quiet: true });
    await runTask("hpo", { ...base, outdir: join(dir, "slurm"), launcher: "slurm" }, { quiet: true });
    const [local, slurm] = [summary(join(dir, "local")), summary(join(dir, "slurm"))];
    expect(slurm.trials.map((t) => [t.number, t.params, t.state, t.value])).toEqual(local.trials.map((t) => [t.number, t.params, t.state, t.value]));
    expect(slurm.trials.filter((t) => t.state === "complete").length).toBeGreaterThan(0);
    const jobs = slurm.trials.map((t) => jobsOf(join(dir, "slurm"), t.name));
    for (const j of jobs) expect(j).toHaveLength(1);
    expect(new Set(jobs.flat()).size).toBe(slurm.trials.length);
    expect(jobs.flat().every((id) => /^\d+$/.test(id))).toBe(true); // single jobs, not array tasks
    for (const t of slurm.trials.filter((t) => t.state === "complete")) {
      expect(readFileSync(join(dir, "slurm", "logs", `${t.name}.log.exit`), "utf8").trim()).toBe("0");
    }
  });

  test("trials that start together go in as one array job, and so do the promoted runs; every run equals the local one", async () => {
    const params = { ...base, nTrials: 3, workers: 3, prune: false, promote: 1, seeds: [42, 43] };
    await runTask("hpo", { ...params, outdir: join(dir, "local-array") }, { quiet: true });
    await runTask("hpo", { ...params, outdir: join(dir, "slurm-array"), launcher: "slurm" }, { quiet: true });
    const [local, slurm] = [summary(join(dir, "local-array")), summary(join(dir, "slurm-array"))];
    expect(slurm.trials.map((t) => [t.number, t.params, t.state, t.value])).toEqual(local.trials.map((t) => [t.number, t.params, t.state, t.value]));
    expect(slurm.trials.map((t) => t.state)).toEqual(["complete", "complete", "complete"]);
    expect(slurm.promoted.map((p) => [p.trial, p.runs.map((r) => [r.seed, r.value]), p.mean])).toEqual(local.promoted.map((p) => [p.trial, p.runs.map((r) => [r.seed, r.value]), p.mean]));
    // The three trials are the three tasks of one array job; the two promoted runs those of another.
    const [first] = jobsOf(join(dir, "slurm-array"), "trial_0000");
    const array = first?.split("_")[0] as string;
    expect(slurm.trials.map((t) => jobsOf(join(dir, "slurm-array"), t.name))).toEqual([[`${array}_0`], [`${array}_1`], [`${array}_2`]]);
    const best = `trial_${String(slurm.promoted[0]?.trial).padStart(4, "0")}`;
    const [p42] = jobsOf(join(dir, "slurm-array"), `${best}_seed_42`);
    const promotedArray = p42?.split("_")[0] as string;
    expect(promotedArray).not.toBe(array);
    expect([`${best}_seed_42`, `${best}_seed_43`].map((n) => jobsOf(join(dir, "slurm-array"), n))).toEqual([[`${promotedArray}_0`], [`${promotedArray}_1`]]);
    // Same weights, predictions and history, run for run.
    for (const [k, t] of slurm.trials.entries()) expect(runArtifacts(t.run_dir as string)).toEqual(runArtifacts(local.trials[k]?.run_dir as string));
    for (const [k, r] of (slurm.promoted[0]?.runs ?? []).entries()) expect(runArtifacts(r.runDir)).toEqual(runArtifacts(local.promoted[0]?.runs[k]?.runDir as string));
  });

  describe("a trial warned of its time limit", () => {
    const params = { ...base, nTrials: 1, epochs: 20, prune: false };
    // The uninterrupted study both tests compare with, run once by whichever needs it first.
    let uninterrupted: Promise<HpoSummary> | undefined;
    const reference = () => (uninterrupted ??= runTask("hpo", { ...params, outdir: join(dir, "local-requeue") }, { quiet: true }).then(() => summary(join(dir, "local-requeue"))));
    test("checkpoints, requeues itself and resumes from its checkpoint; the trial equals an uninterrupted local one", async () => {
      const local = await reference();
      const outdir = join(dir, "slurm-requeue");
      const study = runTask("hpo", { ...params, outdir, launcher: "slurm" }, { quiet: true });
      await until("trial_0000's first checkpoint", () => existsSync(join(outdir, "trials", "trial_0000", "results", "checkpoint", "last.ckpt")));
      const [job] = jobsOf(outdir, "trial_0000");
      // What Slurm sends 120 s before the limit (--signal=B:USR1@120), sent now.
      scancel("--signal=USR1", "--batch", job as string);
      await study;
      const slurm = summary(outdir);
      expect(slurm.trials.map((t) => [t.state, t.value])).toEqual(local.trials.map((t) => [t.state, t.value]));
      expect(jobsOf(outdir, "trial_0000")).toEqual([job as string]);
      const log = readFileSync(join(outdir, "logs", "trial_0000.log.err"), "utf8");
      expect(log).toContain("requeued, it resumes from its checkpoint");
      expect(log).toContain(`slurm job ${job} (restart 1)`);
      const runDir = slurm.trials[0]?.run_dir as string;
      expect(readFileSync(join(runDir, "run.log"), "utf8")).toContain("resuming training run");
      expect(runArtifacts(runDir)).toEqual(runArtifacts(local.trials[0]?.run_dir as string));
    });

    test("a study restarted after its runner was killed cancels the jobs it left and runs their trials again", async () => {
      const local = await reference();
      const outdir = join(dir, "slurm-restart");
      const first = Bun.spawn([process.execPath, join(import.meta.dir, "..", "..", "..", "cli", "main.ts"), "hpo", "--event", writeEvent(dir, { ...params, outdir, launcher: "slurm" }), "--quiet"], { stdout: "ignore", stderr: "ignore", env: { ...process.env } });
      await until("trial_0000's first checkpoint", () => existsSync(join(outdir, "trials", "trial_0000", "results", "checkpoint", "last.ckpt")));
      first.kill("SIGKILL");
      await first.exited;
      const [left] = jobsOf(outdir, "trial_0000");
      // Held where it is (not finishing while the study restarts), as a job waiting for its node would be.
      scontrol("suspend", left as string);
      await runTask("hpo", { ...params, outdir, launcher: "slurm" }, { quiet: true });
      const jobs = jobsOf(outdir, "trial_0000");
      expect(jobs).toHaveLength(2);
      expect(jobs[0]).toBe(left as string);
      expect(queue().find((l) => l.startsWith(`${left}|`))).toContain("|CANCELLED|");
      const restarted = summary(outdir);
      expect(restarted.trials.map((t) => [t.state, t.value])).toEqual(local.trials.map((t) => [t.state, t.value]));
      expect(runArtifacts(restarted.trials[0]?.run_dir as string)).toEqual(runArtifacts(local.trials[0]?.run_dir as string));
    });
  });
});

function writeEvent(dir: string, params: Record<string, unknown>): string {
  const file = join(dir, "restart-event.json");
  writeFileSync(file, JSON.stringify(params));
  return file;
}
