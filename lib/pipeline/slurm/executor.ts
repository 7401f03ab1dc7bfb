import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync, appendFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { writeJsonAtomic } from "../../artifacts/index.ts";
import { errorMessage } from "../../errors/index.ts";
import type { Logger } from "../../log/index.ts";
import { nodeFileName, readRecord, recordPath, type KeyComponents } from "../cache.ts";
import type { PipelineNode } from "../graph.ts";
import { slurmCommand, slurmCommandOk } from "./commands.ts";
import { writeFinishSpec } from "./finish.ts";
import { JobPoller, type JobCounts } from "./poller.ts";
import { jobTask, resourcesFor, type SlurmBlock } from "./resources.ts";
import { jobName, jobScript, sbatchArgs, sbatchCommandLine, type JobRequest } from "./sbatch.ts";
import { parseSbatch } from "./status.ts";

export interface SlurmExecutorOptions {
  /** The repository (absolute), on the shared file system. */
  root: string;
  /** The pipeline's state directory; made absolute against `cwd`. */
  stateDir: string;
  /** The runner's working directory, where the jobs run too (node params are relative to it). */
  cwd: string;
  block: SlurmBlock | null;
  /** Times a failed job is submitted again (a training resumes from its checkpoint). */
  retries: number;
  log: Logger;
  /** The bun binary the jobs run (default: this one). */
  bun?: string;
  /** Poll interval bounds (default 1 s backing off to 30 s). */
  pollMs?: { min: number; max: number };
}

/** How long a submit lock is honoured: a runner that died while submitting leaves one behind. */
const STALE_LOCK_MS = 60_000;

/**
 * The `slurm` executor: each ready node becomes one `sbatch` job running its task, named after
 * its cache key so that a restarted runner (or a second one) waits for a job already queued or
 * running instead of submitting it again. The job writes the node's cache record; see `JobPoller`.
 */
export class SlurmExecutor {
  /** Ids of the jobs this runner submitted (what `cancel` stops). */
  readonly submitted = new Set<string>();
  private readonly stateDir: string;
  private readonly poller: JobPoller;

  constructor(private readonly options: SlurmExecutorOptions) {
    this.stateDir = resolve(options.cwd, options.stateDir);
    const poll = options.pollMs ?? { min: 1000, max: 30_000 };
    this.poller = new JobPoller({ minMs: poll.min, maxMs: poll.max, log: options.log, onChange: (c) => options.log.info(countsLine(c)) });
  }

  get counts(): JobCounts {
    return this.poller.counts;
  }

  /** The runner's `execute`: submits (or finds) the node's job, waits for it, retries a failure. */
  readonly execute = async (node: PipelineNode, params: Record<string, unknown>, logFile: string, run: { key: string; components: KeyComponents }): Promise<number> => {
    let current = params;
    const errLog = `${resolve(this.options.cwd, logFile)}.err`;
    for (let attempt = 0; ; attempt++) {
      const why = await this.attempt(node, current, logFile, run);
      if (why === undefined) return 0;
      appendFileSync(errLog, `${why}\n`);
      this.options.log.error(`${node.id}: ${why}\n${lastLines(errLog, 6)}`);
      if (attempt >= this.options.retries) return 1;
      // A training retried resumes from the checkpoint the failed job left.
      if (node.resume && existsSync(resolve(this.options.cwd, node.resume.marker))) current = { ...params, [node.resume.param]: true };
      this.options.log.warn(`${node.id}: retry ${attempt + 1} of ${this.options.retries}`);
    }
  };

  /** One submission (or adoption) of the node's job, waited for: undefined when done, else why not. */
  private async attempt(node: PipelineNode, params: Record<string, unknown>, logFile: string, run: { key: string; components: KeyComponents }): Promise<string | undefined> {
    const name = jobName(run.key);
    let id: string;
    try {
      id = await this.findOrSubmit(node, params, logFile, run);
    } catch (err) {
      return `submitting ${name}: ${errorMessage(err)}`;
    }
    const record = recordPath(this.stateDir, node.id);
    const end = await this.poller.wait(id, name, () => readRecord(record)?.key === run.key);
    return end.done ? undefined : `slurm job ${id} (${name}) ended without writing its cache record: ${end.detail}; Slurm's log: ${this.slurmLog(node.id, id)}`;
  }

  /** The job request of a node (its files under `<state>/slurm/`), as submitted or as `--dry-run` shows it. */
  request(node: PipelineNode, logFile: string, key: string): JobRequest {
    const file = nodeFileName(node.id);
    const resources = resourcesFor(this.options.block, node.task);
    return {
      name: jobName(key),
      resources,
      members: [
        {
          nodeId: node.id,
          task: jobTask(node.task, resources),
          event: join(this.stateDir, "events", `${file}.json`),
          resumeEvent: join(this.stateDir, "events", `${file}${node.resume ? ".resume" : ""}.json`),
          log: resolve(this.options.cwd, logFile),
          finish: join(this.stateDir, "slurm", `${file}.finish.json`),
        },
      ],
      chdir: this.options.cwd,
      slurmLog: this.slurmLog(node.id, "%j"),
      bun: this.options.bun ?? process.execPath,
      root: this.options.root,
      script: join(this.stateDir, "slurm", `${file}.sh`),
    };
  }

  /** The sbatch command line of a node (for `--dry-run --explain`). */
  commandLine(node: PipelineNode, key: string): string {
    return sbatchCommandLine(this.request(node, join(this.stateDir, "logs", `${nodeFileName(node.id)}.log`), key));
  }

  /** Cancels every job this runner submitted (Ctrl-C / SIGTERM without `--detach`). */
  async cancel(): Promise<void> {
    if (!this.submitted.size) return;
    await slurmCommand(["scancel", ...this.submitted]);
  }

  private slurmLog(nodeId: string, jobId: string): string {
    return join(this.stateDir, "slurm", `${nodeFileName(nodeId)}.${jobId}.out`);
  }

  /** Under the node's submit lock: a queued or running job with the node's name, else a new one. */
  private async findOrSubmit(node: PipelineNode, params: Record<string, unknown>, logFile: string, run: { key: string; components: KeyComponents }): Promise<string> {
    const name = jobName(run.key);
    const lock = join(this.stateDir, "slurm", `${name}.lock`);
    await acquire(lock);
    try {
      const found = (await slurmCommandOk(["squeue", "--noheader", "--format=%i", `--name=${name}`])).trim().split("\n")[0]?.trim();
      if (found) {
        this.options.log.info(`${node.id}: job ${found} (${name}) is already queued or running: waiting for it`);
        return found;
      }
      return await this.submit(node, params, logFile, run);
    } finally {
      rmSync(lock, { force: true });
    }
  }

  private async submit(node: PipelineNode, params: Record<string, unknown>, logFile: string, run: { key: string; components: KeyComponents }): Promise<string> {
    const request = this.request(node, logFile, run.key);
    const member = request.members[0] as JobRequest["members"][number];
    writeJsonAtomic(member.event, params);
    if (node.resume) writeJsonAtomic(member.resumeEvent, { ...params, [node.resume.param]: true });
    writeFinishSpec(member.finish, { record: recordPath(this.stateDir, node.id), key: run.key, components: run.components as unknown as Record<string, unknown>, outputs: node.outputs });
    writeFileSync(request.script, jobScript(request), { mode: 0o755 });
    const id = parseSbatch(await slurmCommandOk(["sbatch", ...sbatchArgs(request)]));
    this.submitted.add(id);
    this.options.log.info(`${node.id}: submitted slurm job ${id} (${request.name})`);
    return id;
  }
}

/** `slurm: 2 queued, 1 running, 3 done, 0 failed`. */
export function countsLine(c: JobCounts): string {
  return `slurm: ${c.queued} queued, ${c.running} running, ${c.done} done, ${c.failed} failed`;
}

/** Takes the lock file (exclusive create), waiting while another runner holds a fresh one. */
async function acquire(lock: string): Promise<void> {
  mkdirSync(join(lock, ".."), { recursive: true });
  for (;;) {
    try {
      closeSync(openSync(lock, "wx"));
      return;
    } catch {
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) rmSync(lock, { force: true });
      else await Bun.sleep(200);
    }
  }
}

/** The last `n` non-empty lines of a log, indented, for a failure message. */
function lastLines(path: string, n: number): string {
  if (!existsSync(path)) return "  (no log)";
  return readFileSync(path, "utf8").split("\n").filter((l) => l.trim()).slice(-n).map((l) => `  | ${l}`).join("\n");
}
