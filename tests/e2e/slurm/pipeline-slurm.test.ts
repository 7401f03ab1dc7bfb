import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runTask } from "../../../lib/task/index.ts";
import { describeWith } from "../../support/requirements.ts";
import { trainingArtifacts, writeTinyExperiment } from "../../unit/pipeline/tiny-experiment.ts";
import { jobsInLog, queue, scancel, startCluster, stopCluster, until } from "./cluster.ts";

const ROOT = resolve(import.meta.dir, "..", "..", "..");

/**
 * Training artifacts (weights, predictions, metrics, history) and aggregate.json less its
 * timestamp, input-file hashes and provenance (the git commit of the checkout at that moment).
 */
function artifacts(outdir: string): Record<string, unknown> {
  const aggregate = JSON.parse(readFileSync(join(outdir, "aggregate", "aggregate.json"), "utf8")) as Record<string, unknown>;
  // summary.json (an input of the aggregate) holds timings, so its hash differs run to run.
  const { createdAt: _c, inputs: _i, provenance: _p, ...rest } = aggregate;
  return { ...trainingArtifacts(outdir), aggregate: rest };
}

/** The Slurm jobs that ran a node (`123`, or `123_4` for an array task), from the lines each job writes to the node's log. */
function jobsOf(outdir: string, node: string): string[] {
  return jobsInLog(join(outdir, ".pipeline", "logs", `${node.replaceAll("/", "__")}.log.err`));
}

const NODES = ["synth", "audit", "split/seed-42", "split/seed-43", "train/seed-42", "train/seed-43", "aggregate"];

describeWith(["slurm"])("pipeline --executor slurm on a local one-node cluster", () => {
  const dir = mkdtempSync(join(tmpdir(), "pipeline-slurm-"));
  const clusterDir = join(dir, "cluster");
  // One experiment (20 epochs, so a training is still running when it is interrupted), always in the same
  // output directory so paths, keys and artifacts are comparable; each test starts from scratch.
  const experiment = writeTinyExperiment(dir, "exp", { epochs: 20 });
  const outdir = join(dir, "exp");
  let local: Record<string, unknown>;
  const checkpoint42 = join(outdir, "runs", "seed_42", "results", "checkpoint", "last.ckpt");

  beforeAll(async () => {
    process.env.SLURM_CONF = startCluster(clusterDir);
    await runTask("pipeline", { experiment, executor: "local" }, { quiet: true });
    local = artifacts(outdir);
  });
  afterAll(() => {
    stopCluster(clusterDir);
    delete process.env.SLURM_CONF;
    rmSync(dir, { recursive: true, force: true });
  });

  const slurm = (extra: Record<string, unknown> = {}) => runTask("pipeline", { experiment, executor: "slurm", ...extra }, { quiet: true });
  const statuses = (r: object) => Object.fromEntries(((r as { outcomes: unknown }).outcomes as { id: string; status: string }[]).map((o) => [o.id, o.status]));

  test("gives the artifacts of --executor local, one job per node, and a rerun submits nothing", async () => {
    rmSync(outdir, { recursive: true, force: true });
    const first = await slurm();
    expect(statuses(first)).toEqual(Object.fromEntries(NODES.map((n) => [n, "ran"])));
    expect(artifacts(outdir)).toEqual(local);
    for (const n of NODES) expect(jobsOf(outdir, n)).toHaveLength(1);
    // The two splits became ready together (when audit finished): one array job, tasks 0 and 1.
    const [a, b] = [jobsOf(outdir, "split/seed-42")[0], jobsOf(outdir, "split/seed-43")[0]];
    expect([a?.split("_")[0] === b?.split("_")[0], [a?.split("_")[1], b?.split("_")[1]].sort()]).toEqual([true, ["0", "1"]]);
    const again = await slurm();
    expect(statuses(again)).toEqual(Object.fromEntries(NODES.map((n) => [n, "cached"])));
    for (const n of NODES) expect(jobsOf(outdir, n)).toHaveLength(1);
  });

  test("scancel of a running training: the retry resumes from its checkpoint and the artifacts are identical", async () => {
    rmSync(outdir, { recursive: true, force: true });
    const run = slurm({ retries: 1 });
    await until("the checkpoint of train/seed-42", () => existsSync(checkpoint42));
    const [job] = jobsOf(outdir, "train/seed-42");
    scancel(job as string);
    const result = await run;
    expect(statuses(result)["train/seed-42"]).toBe("ran");
    expect(jobsOf(outdir, "train/seed-42")).toHaveLength(2);
    const log = readFileSync(join(outdir, ".pipeline", "logs", "train__seed-42.log.err"), "utf8");
    expect(log).toContain(`slurm job ${job} (`);
    expect(log).toContain("ended without writing its cache record");
    expect(readFileSync(join(outdir, "runs", "seed_42", "results", "run.log"), "utf8")).toContain("resuming training run");
    expect(artifacts(outdir)).toEqual(local);
  });

  test("USR1 before the time limit: the training checkpoints, the job requeues itself and resumes; artifacts identical", async () => {
    rmSync(outdir, { recursive: true, force: true });
    const run = slurm();
    await until("the checkpoint of train/seed-42", () => existsSync(checkpoint42));
    const [job] = jobsOf(outdir, "train/seed-42");
    // What Slurm sends `signalSeconds` before the limit (--signal=B:USR1@s), sent now.
    scancel("--signal=USR1", "--batch", job as string);
    const result = await run;
    expect(statuses(result)["train/seed-42"]).toBe("ran");
    expect(jobsOf(outdir, "train/seed-42")).toEqual([job as string]);
    const log = readFileSync(join(outdir, ".pipeline", "logs", "train__seed-42.log.err"), "utf8");
    expect(log).toContain("requeued, it resumes from its checkpoint");
    expect(log).toContain(`slurm job ${job} (restart 1)`);
    expect(readFileSync(join(outdir, "runs", "seed_42", "results", "run.log"), "utf8")).toContain("resuming training run");
    expect(artifacts(outdir)).toEqual(local);
  });

  test("a runner stopped with --detach leaves its jobs; the restarted runner waits for them and submits nothing twice", async () => {
    rmSync(outdir, { recursive: true, force: true });
    const first = Bun.spawn([process.execPath, join(ROOT, "cli", "main.ts"), "pipeline", experiment, "--executor", "slurm", "--detach", "--quiet"], { stdout: "ignore", stderr: "ignore", env: { ...process.env } });
    await until("the checkpoint of train/seed-42", () => existsSync(checkpoint42));
    first.kill("SIGTERM");
    expect(await first.exited).toBe(143);
    const [job] = jobsOf(outdir, "train/seed-42");
    expect(queue().some((l) => l.startsWith(`${job}|`) && /RUNNING|PENDING/.test(l))).toBe(true);
    const second = await slurm();
    expect(statuses(second)["train/seed-42"]).toBe("ran");
    for (const n of NODES) expect(jobsOf(outdir, n)).toHaveLength(1);
    expect(jobsOf(outdir, "train/seed-42")).toEqual([job as string]);
    expect(artifacts(outdir)).toEqual(local);
  });

  test("SIGTERM without --detach cancels the jobs the runner submitted", async () => {
    rmSync(outdir, { recursive: true, force: true });
    const runner = Bun.spawn([process.execPath, join(ROOT, "cli", "main.ts"), "pipeline", experiment, "--executor", "slurm", "--quiet"], { stdout: "ignore", stderr: "ignore", env: { ...process.env } });
    await until("the checkpoint of train/seed-42", () => existsSync(checkpoint42));
    const jobs = [...jobsOf(outdir, "train/seed-42"), ...jobsOf(outdir, "train/seed-43")];
    runner.kill("SIGTERM");
    expect(await runner.exited).toBe(143);
    await until("the trainings to leave the queue", () => !queue().some((l) => jobs.some((j) => l.startsWith(`${j}|`)) && /RUNNING|PENDING|COMPLETING/.test(l)), 30_000);
    expect(queue().filter((l) => jobs.some((j) => l.startsWith(`${j}|`))).every((l) => l.includes("|CANCELLED|"))).toBe(true);
  });
});
