import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { hashJson, writeJsonAtomic } from "../../artifacts/index.ts";
import { errorMessage, TaskError } from "../../errors/index.ts";
import type { Logger } from "../../log/index.ts";
import { nodeFileName, readRecord, recordPath } from "../cache.ts";
import type { PipelineNode } from "../graph.ts";
import type { NodeExecutor, NodeRun } from "../runner.ts";
import { slurmCommand, slurmCommandOk } from "./commands.ts";
import { writeFinishSpec } from "./finish.ts";
import { JobPoller, type JobCounts } from "./poller.ts";
import { jobTask, resourcesFor, type SlurmBlock } from "./resources.ts";
import { jobName, jobScript, keysComment, sbatchArgs, sbatchCommandLine, type JobRequest } from "./sbatch.ts";
import { parseQueuedKeys, parseSbatch } from "./status.ts";
import { describeHolder, foreignHolderHint, waitForLock } from "../../runs/lock.ts";

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

type Run = NodeRun;

/** A node handed to the executor, waiting for the next submission batch. */
interface Item {
  node: PipelineNode;
  params: Record<string, unknown>;
  logFile: string;
  run: Run;
  resolve(placed: Placed): void;
  reject(err: unknown): void;
}

/** Where a node's job is: its id (`123`, or `123_4` for an array task), its job's name, Slurm's log of it. */
interface Placed {
  id: string;
  name: string;
  slurmLog: string;
}

/**
 * The `slurm` executor. Nodes handed over together (the runner starts every ready node at once)
 * are submitted together: one `sbatch` per task whose resources agree, an array job when there
 * are several (seeds, folds). A single job is named `mammo-<key prefix>`; every job lists its
 * nodes' key prefixes in its comment, so a restarted runner (or a second one) finds a node
 * already queued or running and waits for it instead of submitting it again. The job writes the
 * node's cache record; see `JobPoller`.
 */
export class SlurmExecutor {
  /** Ids of the jobs this runner submitted (what `cancel` stops). */
  readonly submitted = new Set<string>();
  private readonly stateDir: string;
  private readonly poller: JobPoller;
  private batch: Item[] = [];

  constructor(private readonly options: SlurmExecutorOptions) {
    this.stateDir = resolve(options.cwd, options.stateDir);
    const poll = options.pollMs ?? { min: 1000, max: 30_000 };
    this.poller = new JobPoller({ minMs: poll.min, maxMs: poll.max, log: options.log, onChange: (c) => options.log.info(countsLine(c)) });
  }

  get counts(): JobCounts {
    return this.poller.counts;
  }

  /**
   * The runner's `execute`: submits (or finds) the node's job, waits for it, retries a failure.
   * The runner's abort signal is not followed: the jobs go on, and the next run waits for them.
   */
  readonly execute: NodeExecutor = async (node, params, logFile, _signal, run) => {
    if (!run) throw new TaskError("no_cache_key", `slurm executor: no cache key for node ${node.id} (its job writes the cache record)`);
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

  /** The sbatch command line of a node submitted alone (for `--dry-run --explain`). */
  commandLine(node: PipelineNode, key: string): string {
    return sbatchCommandLine(this.request([{ node, logFile: join(this.stateDir, "logs", `${nodeFileName(node.id)}.log`), key }]));
  }

  /** Cancels every job this runner submitted (Ctrl-C / SIGTERM without `--detach`). */
  async cancel(): Promise<void> {
    if (!this.submitted.size) return;
    await slurmCommand(["scancel", ...this.submitted]);
  }

  /** One submission (or adoption) of the node's job, waited for: undefined when done, else why not. */
  private async attempt(node: PipelineNode, params: Record<string, unknown>, logFile: string, run: Run): Promise<string | undefined> {
    let placed: Placed;
    try {
      placed = await new Promise<Placed>((resolve, reject) => {
        this.batch.push({ node, params, logFile, run, resolve, reject });
        if (this.batch.length === 1) setTimeout(() => void this.flush(), 0);
      });
    } catch (err) {
      return `submitting ${node.id}: ${errorMessage(err)}`;
    }
    const record = recordPath(this.stateDir, node.id);
    const end = await this.poller.wait(placed.id, placed.name, () => readRecord(record)?.key === run.key);
    return end.done ? undefined : `slurm job ${placed.id} (${placed.name}) ended without writing its cache record: ${end.detail}; Slurm's log: ${placed.slurmLog}`;
  }

  /** Under the submit lock: adopts the nodes already queued or running, submits the others by task. */
  private async flush(): Promise<void> {
    const items = this.batch.splice(0);
    const path = join(this.stateDir, "slurm", "submit.lock");
    try {
      // The project's lock (lib/runs/lock.ts): a runner that died while submitting is noticed by
      // its pid, never by the lock's age, so a slow squeue or sbatch cannot let a second runner in.
      const lock = await waitForLock(path, "slurm submissions", {
        onWait: (h) => this.options.log.info(`waiting to submit: another runner is submitting (${describeHolder(h)})${foreignHolderHint(path, h)}`),
      });
      try {
        const queued = parseQueuedKeys(await slurmCommandOk(["squeue", "--noheader", "--format=%i|%j|%k"]));
        const fresh: Item[] = [];
        for (const item of items) {
          const found = queued.get(item.run.key.slice(0, 16));
          if (!found) fresh.push(item);
          else {
            this.options.log.info(`${item.node.id}: job ${found.id} (${found.name}) is already queued or running: waiting for it`);
            item.resolve({ ...found, slurmLog: "(see the job's --output)" });
          }
        }
        for (const group of byResources(fresh, this.options.block)) await this.submit(group);
      } finally {
        lock.release();
      }
    } catch (err) {
      for (const item of items) item.reject(err); // no effect on those already placed
    }
  }

  /** One job for `items` (same task and resources): a single job, or an array job of them. */
  private async submit(items: Item[]): Promise<void> {
    const request = this.request(items.map((i) => ({ node: i.node, logFile: i.logFile, key: i.run.key })));
    items.forEach((item, k) => {
      const member = request.members[k] as JobRequest["members"][number];
      const { node, params, run } = item;
      writeJsonAtomic(member.event, params);
      if (node.resume) writeJsonAtomic(member.resumeEvent, { ...params, [node.resume.param]: true });
      writeFinishSpec(finishSpecPath(this.stateDir, node.id), { record: recordPath(this.stateDir, node.id), key: run.key, components: run.components as unknown as Record<string, unknown>, outputs: node.outputs });
    });
    writeFileSync(request.script, jobScript(request), { mode: 0o755 });
    const id = parseSbatch(await slurmCommandOk(["sbatch", ...sbatchArgs(request)]));
    this.submitted.add(id);
    const array = items.length > 1;
    items.forEach((item, k) => {
      const placed = array ? `${id}_${k}` : id;
      this.options.log.info(`${item.node.id}: submitted slurm job ${placed} (${request.name})`);
      item.resolve({ id: placed, name: request.name, slurmLog: request.slurmLog.replace("%A", id).replace("%a", String(k)).replace("%j", id) });
    });
  }

  /** The job request of nodes of one task: files under `<state>/slurm/`, one member per node. */
  private request(nodes: { node: PipelineNode; logFile: string; key: string }[]): JobRequest {
    const first = nodes[0] as (typeof nodes)[number];
    const resources = resourcesFor(this.options.block, first.node.task);
    const keys = nodes.map((n) => n.key);
    const name = jobName(nodes.length > 1 ? hashJson(keys) : first.key);
    const base = nodes.length > 1 ? `array-${name}` : nodeFileName(first.node.id);
    return {
      name,
      comment: keysComment(keys),
      resources,
      members: nodes.map(({ node, logFile }) => {
        const file = nodeFileName(node.id);
        return {
          nodeId: node.id,
          task: jobTask(node.task, resources, node.params),
          event: join(this.stateDir, "events", `${file}.json`),
          resumeEvent: join(this.stateDir, "events", `${file}${node.resume ? ".resume" : ""}.json`),
          log: resolve(this.options.cwd, logFile),
          finish: finishSpecPath(this.stateDir, node.id),
          exitFile: null,
        };
      }),
      chdir: this.options.cwd,
      slurmLog: join(this.stateDir, "slurm", `${base}.${nodes.length > 1 ? "%A_%a" : "%j"}.out`),
      bun: this.options.bun ?? process.execPath,
      root: this.options.root,
      script: join(this.stateDir, "slurm", `${base}.sh`),
    };
  }
}

/** Where the job of node `id` finds what to write as its cache record (`finish.ts`). */
function finishSpecPath(stateDir: string, id: string): string {
  return join(stateDir, "slurm", `${nodeFileName(id)}.finish.json`);
}

/** Groups items by task and resources, in the order they came. */
function byResources(items: Item[], block: SlurmBlock | null): Item[][] {
  const groups = new Map<string, Item[]>();
  for (const item of items) {
    const id = JSON.stringify([item.node.task, resourcesFor(block, item.node.task)]);
    groups.set(id, [...(groups.get(id) ?? []), item]);
  }
  return [...groups.values()];
}

/** `slurm: 2 queued, 1 running, 3 done, 0 failed`. */
export function countsLine(c: JobCounts): string {
  return `slurm: ${c.queued} queued, ${c.running} running, ${c.done} done, ${c.failed} failed`;
}

/** The last `n` non-empty lines of a log, indented, for a failure message. */
function lastLines(path: string, n: number): string {
  if (!existsSync(path)) return "  (no log)";
  return readFileSync(path, "utf8").split("\n").filter((l) => l.trim()).slice(-n).map((l) => `  | ${l}`).join("\n");
}
