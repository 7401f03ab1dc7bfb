import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jobTask, resourcesFor, slurmSchema } from "../../../lib/pipeline/slurm/resources.ts";
import { jobName, jobScript, keysComment, sbatchArgs, sbatchCommandLine, type JobRequest } from "../../../lib/pipeline/slurm/sbatch.ts";

const block = slurmSchema.parse({
  partition: "short",
  time: "30",
  mem: "4G",
  account: "lab",
  extra: ["--constraint=avx512"],
  tasks: { train: { partition: "gpu", time: "4:00:00", gres: "gpu:1", cpus: 8, extra: ["--exclusive"], signalSeconds: 300 } },
});

const request = (task: string, members = 1): JobRequest => {
  const resources = resourcesFor(block, task);
  return {
    name: jobName("0123456789abcdef0123456789abcdef"),
    comment: keysComment(["0123456789abcdef0123456789abcdef"]),
    resources,
    members: Array.from({ length: members }, (_, k) => ({ nodeId: `${task}/seed-${42 + k}`, task: jobTask(task, resources, { backend: "gpu" }), event: `/s/events/e${k}.json`, resumeEvent: `/s/events/e${k}.resume.json`, log: `/s/logs/n${k}.log`, finish: `/s/slurm/n${k}.finish.json`, exitFile: null })),
    chdir: "/shared/work",
    slurmLog: "/s/slurm/n.%j.out",
    bun: "/opt/bun/bin/bun",
    root: "/shared/repo",
    script: "/s/slurm/n.sh",
  };
};

describe("resourcesFor", () => {
  test("resourcesFor(block, task) takes the block's defaults and the task's overrides, extra appended", () => {
    expect(resourcesFor(block, "audit")).toEqual({ partition: "short", time: "30", mem: "4G", account: "lab", extra: ["--constraint=avx512"], signalSeconds: 120 });
    expect(resourcesFor(block, "train")).toEqual({ partition: "gpu", time: "4:00:00", mem: "4G", account: "lab", gres: "gpu:1", cpus: 8, extra: ["--constraint=avx512", "--exclusive"], signalSeconds: 300 });
    expect(resourcesFor(null, "train")).toEqual({ extra: [], signalSeconds: 120 });
  });

  test("jobTask runs a training that asks for a GPU as train-gpu, and nothing else", () => {
    const gpu = { backend: "gpu" };
    expect(jobTask("train", resourcesFor(block, "train"), gpu)).toBe("train-gpu");
    expect(jobTask("train", resourcesFor(block, "audit"), { backend: "wasm" })).toBe("train");
    expect(jobTask("audit", { extra: [], signalSeconds: 1, gres: "gpu:1" }, {})).toBe("audit");
    expect(jobTask("train", { extra: [], signalSeconds: 1, gres: "tmpdisk:10,gpu" }, gpu)).toBe("train-gpu");
    expect(jobTask("train", { extra: [], signalSeconds: 1, gres: "gpuish:1" }, {})).toBe("train");
  });

  test("jobTask refuses a GPU job for a training whose backend (part of its cache key) is not gpu", () => {
    expect(() => jobTask("train", resourcesFor(block, "train"), { backend: "wasm" })).toThrow('slurm gres gpu:1 asks for a GPU, but the training\'s backend is "wasm": set train.backend to "gpu" (the backend is part of the cache key)');
    expect(() => jobTask("train", resourcesFor(block, "train"), {})).toThrow('backend is "auto"');
  });

  test("slurmSchema refuses a misspelt field and a bad --mem", () => {
    expect(slurmSchema.safeParse({ partiton: "x" }).success).toBe(false);
    expect(slurmSchema.safeParse({ mem: "4 GB" }).success).toBe(false);
    expect(slurmSchema.safeParse({ tasks: { train: { extra: ["exclusive"] } } }).success).toBe(false);
  });
});

describe("sbatchArgs", () => {
  test("sbatchArgs(request) names the job by key, logs per job id, asks USR1 before the limit, requeue, resources, then the script", () => {
    expect(sbatchArgs(request("train"))).toEqual([
      "--parsable",
      "--job-name=mammo-0123456789abcdef",
      "--comment=mammo-keys:0123456789abcdef",
      "--output=/s/slurm/n.%j.out",
      "--open-mode=append",
      "--chdir=/shared/work",
      "--requeue",
      "--signal=B:USR1@300",
      "--partition=gpu",
      "--account=lab",
      "--time=4:00:00",
      "--cpus-per-task=8",
      "--mem=4G",
      "--gres=gpu:1",
      "--constraint=avx512",
      "--exclusive",
      "/s/slurm/n.sh",
    ]);
  });

  test("sbatchArgs(request) of several members is an array job 0..n-1", () => {
    expect(sbatchArgs(request("audit", 3))).toContain("--array=0-2");
    expect(sbatchArgs(request("audit", 1)).some((a) => a.startsWith("--array"))).toBe(false);
  });

  test("sbatchCommandLine quotes words the shell would split", () => {
    const r = request("audit");
    r.chdir = "/shared/my work";
    expect(sbatchCommandLine(r)).toContain("'--chdir=/shared/my work'");
    expect(sbatchCommandLine(r).startsWith("sbatch --parsable --job-name=mammo-0123456789abcdef ")).toBe(true);
  });
});

describe("jobScript", () => {
  // The script run by bash with fake `bun` and `scontrol`: what it runs, what it writes, when it requeues.
  const dir = mkdtempSync(join(tmpdir(), "slurm-script-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (taskExit: number, env: Record<string, string> = {}, asTrial = false) => {
    const log = join(dir, "calls.txt");
    rmSync(log, { force: true });
    const bun = join(dir, "bun");
    writeFileSync(bun, `#!/bin/bash\necho "bun $*" >> ${log}\ncase "$1" in */cli/main.ts) exit ${taskExit};; esac\nexit 0\n`, { mode: 0o755 });
    writeFileSync(join(dir, "scontrol"), `#!/bin/bash\necho "scontrol $*" >> ${log}\n`, { mode: 0o755 });
    const r = request("train", 2);
    r.bun = bun;
    r.members = r.members.map((m, k) => ({ ...m, log: join(dir, `n${k}.log`), ...(asTrial ? { finish: null, exitFile: join(dir, `n${k}.exit`) } : {}) }));
    for (const m of r.members) if (m.exitFile) rmSync(m.exitFile, { force: true });
    writeFileSync(join(dir, "job.sh"), jobScript(r), { mode: 0o755 });
    const p = Bun.spawnSync(["bash", join(dir, "job.sh")], { env: { PATH: `${dir}:/usr/bin:/bin`, SLURM_JOB_ID: "17", ...env } });
    return { code: p.exitCode, calls: readFileSync(log, "utf8").trim().split("\n"), err: readFileSync(join(dir, `n${env.SLURM_ARRAY_TASK_ID ?? "0"}.log.err`), "utf8") };
  };

  test("jobScript runs the member's task with its event, then writes the cache record", () => {
    const r = run(0);
    expect(r.code).toBe(0);
    expect(r.calls).toEqual(["bun /shared/repo/cli/main.ts train-gpu --event /s/events/e0.json", "bun /shared/repo/lib/pipeline/slurm/finish.ts /s/slurm/n0.finish.json"]);
    expect(r.err).toContain("slurm job 17 (restart 0)");
  });

  test("jobScript picks the array task's member and, once requeued, its resume event", () => {
    const r = run(0, { SLURM_ARRAY_TASK_ID: "1", SLURM_ARRAY_JOB_ID: "16", SLURM_RESTART_COUNT: "1" });
    expect(r.calls[0]).toBe("bun /shared/repo/cli/main.ts train-gpu --event /s/events/e1.resume.json");
    expect(r.err).toContain("slurm job 16_1 (restart 1)");
  });

  test("jobScript requeues itself when the training stopped for the time limit (exit 75), and fails on other exits", () => {
    const stopped = run(75);
    expect(stopped.code).toBe(0);
    expect(stopped.calls).toEqual(["bun /shared/repo/cli/main.ts train-gpu --event /s/events/e0.json", "scontrol requeue 17"]);
    const failed = run(3);
    expect(failed.code).toBe(3);
    expect(failed.calls).toEqual(["bun /shared/repo/cli/main.ts train-gpu --event /s/events/e0.json"]);
  });

  test("jobScript of an HPO trial (an exit file, no cache record) writes the task's exit status, except when it requeues", () => {
    const exitOf = (k: number) => readFileSync(join(dir, `n${k}.exit`), "utf8").trim();
    const done = run(0, {}, true);
    expect([done.code, exitOf(0)]).toEqual([0, "0"]);
    expect(done.calls).toEqual(["bun /shared/repo/cli/main.ts train-gpu --event /s/events/e0.json"]);
    const failed = run(3, { SLURM_ARRAY_TASK_ID: "1", SLURM_ARRAY_JOB_ID: "16" }, true);
    expect([failed.code, exitOf(1)]).toEqual([3, "3"]);
    const stopped = run(75, {}, true);
    expect(stopped.calls.at(-1)).toBe("scontrol requeue 17");
    expect(() => exitOf(0)).toThrow("ENOENT");
  });
});
