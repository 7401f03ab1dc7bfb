import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { sha256, writeJsonAtomic } from "../../artifacts/index.ts";
import { errorMessage } from "../../errors/index.ts";
import type { TrialHandle, TrialLauncher, TrialStart } from "../../hpo/trial-process.ts";
import type { Logger } from "../../log/index.ts";
import { slurmCommand, slurmCommandOk } from "./commands.ts";
import { JobPoller } from "./poller.ts";
import { DEFAULT_SIGNAL_SECONDS } from "./resources.ts";
import { jobScript, sbatchArgs, type JobRequest } from "./sbatch.ts";
import { parseSbatch, parseSqueue } from "./status.ts";

/** How long `stopLeftovers` waits for cancelled jobs to leave the queue. */
const LEFTOVER_WAIT_MS = 120_000;

/**
 * HPO trials as Slurm jobs: trials that start together go in as one array job (one task each),
 * run by the pipeline's job script (sbatch.ts). A trial's job writes its exit status to
 * `<log>.exit` on the shared file system; the study process (the only writer of the study
 * database) reads the trial's per-epoch jsonl from its run directory for pruning, as with local
 * trials, and a pruned trial's task is `scancel`led. A trial warned of its time limit (USR1,
 * `--signal=B:USR1@120` unless `sbatch` names another) writes its checkpoint, the job requeues
 * itself and resumes from it (`resume: true`), so no trial restarts from epoch 1.
 *
 * Every job of one study is named `mammo-hpo-<hash of its outdir>`, so a study that resumes
 * after its runner was killed cancels what that runner left queued or running (`stopLeftovers`).
 */
export function slurmTrialLauncher(options: { root: string; outdir: string; sbatch: readonly string[]; log: Logger; pollMs?: { min: number; max: number } }): TrialLauncher {
  const poll = options.pollMs ?? { min: 1000, max: 15_000 };
  const poller = new JobPoller({ minMs: poll.min, maxMs: poll.max, log: options.log });
  const outdir = resolve(options.outdir);
  const name = `mammo-hpo-${sha256(outdir).slice(0, 12)}`;
  return {
    async stopLeftovers() {
      const queued = async () => parseSqueue(await slurmCommandOk(["squeue", "--noheader", "--format=%i|%T", `--name=${name}`])).size;
      if (!(await queued())) return;
      options.log.warn(`cancelling the Slurm jobs (${name}) an interrupted study of ${options.outdir} left queued or running; their trials run again`);
      await slurmCommandOk(["scancel", `--name=${name}`]);
      const deadline = Date.now() + LEFTOVER_WAIT_MS;
      while ((await queued()) > 0) {
        if (Date.now() > deadline) throw new Error(`jobs named ${name} are still in the queue ${LEFTOVER_WAIT_MS / 1000} s after scancel`);
        await Bun.sleep(1000);
      }
    },
    start(trials) {
      const request = trialRequest(options.root, outdir, name, trials, options.sbatch);
      const submitted = submit(request, trials);
      return trials.map((trial, k) => watchTask(poller, submitted, request, k, trial));
    },
  };
}

/** The job request of trials started together: one member each, the study's sbatch options. */
function trialRequest(root: string, outdir: string, name: string, trials: readonly TrialStart[], sbatch: readonly string[]): JobRequest {
  const array = trials.length > 1;
  const base = array ? `${trials[0]?.name}+${trials.length - 1}` : (trials[0]?.name as string);
  return {
    name,
    comment: `mammo-trials:${trials.map((t) => t.name).join(",")}`,
    // A --signal in `sbatch` comes after the default one, and sbatch takes the last.
    resources: { extra: [...sbatch], signalSeconds: DEFAULT_SIGNAL_SECONDS },
    members: trials.map((t) => ({
      nodeId: t.name,
      task: "train",
      event: resolve(t.eventFile),
      resumeEvent: resumeEventFile(resolve(t.eventFile)),
      log: resolve(t.logFile),
      finish: null,
      exitFile: `${resolve(t.logFile)}.exit`,
    })),
    chdir: process.cwd(),
    slurmLog: join(outdir, "logs", `slurm-${array ? "%A_%a" : "%j"}.out`),
    bun: process.execPath,
    root,
    script: join(outdir, "events", `${base}.sh`),
  };
}

/** A trial's event for its requeued job: the same params with `resume: true` (from its checkpoint). */
function resumeEventFile(eventFile: string): string {
  return eventFile.replace(/\.json$/, "") + ".resume.json";
}

/** Writes the trials' events and the job script, submits it; resolves to the job id, or rejects with why not. */
async function submit(request: JobRequest, trials: readonly TrialStart[]): Promise<string> {
  trials.forEach((t, k) => {
    const member = request.members[k] as JobRequest["members"][number];
    writeJsonAtomic(member.event, t.params);
    writeJsonAtomic(member.resumeEvent, { ...t.params, resume: true });
    rmSync(member.exitFile as string, { force: true });
  });
  writeFileSync(request.script, jobScript(request), { mode: 0o755 });
  return parseSbatch(await slurmCommandOk(["sbatch", ...sbatchArgs(request)]));
}

/** The handle of member k of a submitted job: its exit status once the job wrote it, 1 when it ended without. */
function watchTask(poller: JobPoller, submitted: Promise<string>, request: JobRequest, k: number, trial: TrialStart): TrialHandle {
  const member = request.members[k] as JobRequest["members"][number];
  const exitFile = member.exitFile as string;
  let id: string | undefined;
  let stopped = false;
  const exited = (async () => {
    try {
      const job = await submitted;
      id = request.members.length > 1 ? `${job}_${k}` : job;
    } catch (err) {
      appendFileSync(`${member.log}.err`, `submitting ${trial.name}: ${errorMessage(err)}\n`);
      return 1;
    }
    if (stopped) void slurmCommand(["scancel", id]);
    const end = await poller.wait(id, request.name, () => existsSync(exitFile));
    if (end.done) return Number(readFileSync(exitFile, "utf8").trim());
    appendFileSync(`${member.log}.err`, `slurm job ${id} (${request.name}) ended without an exit status: ${end.detail}\n`);
    return 1;
  })();
  return {
    exited,
    stop() {
      stopped = true;
      if (id) void slurmCommand(["scancel", id]);
    },
  };
}
