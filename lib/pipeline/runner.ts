import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, rmSync } from "node:fs";
import { join } from "node:path";
import { sha256File, writeFileAtomic, writeJsonAtomic } from "../artifacts/index.ts";
import { TaskError, errorMessage } from "../errors/index.ts";
import type { Logger } from "../log/index.ts";
import type { Progress, ProgressBar } from "../progress/index.ts";
import { describeHolder, foreignHolderHint, waitForLock } from "../runs/lock.ts";
import { childEnv, forgetChild, recordChild, stopOrphan } from "../runs/orphans.ts";
import { cacheKey, damagedOutputs, environment, explainChange, keyComponents, nodeFileName, readRecord, recordPath, writeRecord, type Environment, type KeyComponents } from "./cache.ts";
import type { PipelineNode } from "./graph.ts";
import { slotLimits, type SlotLimits } from "./slots.ts";

/** What happened (or, in a dry run, would happen) to one node. */
export interface NodeOutcome {
  id: string;
  status: "cached" | "ran" | "failed" | "skipped" | "planned";
  /** Why it ran or will run (empty for a cache hit). */
  reasons: string[];
  /** Resumed from an interrupted run's checkpoint. */
  resumed?: boolean;
  error?: string;
  log?: string;
  /** The cache key (of a node to run, for `--dry-run --explain`: final only when no upstream node runs). */
  key?: string;
}

export interface RunOptions {
  root: string;
  /** Where cache records, events and node logs live. */
  stateDir: string;
  jobs: number;
  /** Nodes training on a GPU at the same time (default 1: one training per GPU); see `slots.ts`. */
  gpuSlots?: number;
  dryRun: boolean;
  log: Logger;
  progress: Progress;
  now: () => Date;
  /** Runs one node's task; default: a child `bun cli/main.ts` process. */
  execute?: NodeExecutor;
}

/**
 * Runs one node's task and resolves with its exit code. `signal` is aborted when the runner stops
 * early (an unexpected error): the executor then stops what it started. A throw is the node's failure.
 */
export type NodeExecutor = (node: PipelineNode, params: Record<string, unknown>, logFile: string, signal?: AbortSignal, run?: NodeRun) => Promise<number>;

/** The node's cache key and its parts, for executors whose jobs write the cache record themselves (Slurm). */
export interface NodeRun {
  key: string;
  components: KeyComponents;
}

/** Where the process running a node is recorded (`recordChild`), so a pipeline that takes the node over from a killed one can stop it. */
function nodeProcessRecord(stateDir: string, id: string): string {
  return join(stateDir, "attempts", `${nodeFileName(id)}.pid`);
}

/** Runs a task in a child process, so nodes run in parallel on all cores and a crash stays contained. */
export function childProcessExecutor(root: string, stateDir: string): NodeExecutor {
  return async (node, params, logFile, signal) => {
    const event = join(stateDir, "events", `${nodeFileName(node.id)}.json`);
    writeJsonAtomic(event, params);
    const proc = Bun.spawn([process.execPath, join(root, "cli", "main.ts"), node.task, "--event", event], {
      cwd: process.cwd(),
      stdout: Bun.file(logFile),
      stderr: Bun.file(`${logFile}.err`),
      env: childEnv({ FORCE_COLOR: "0", MAMMO_PROGRESS_INTERVAL_MS: "2000" }),
    });
    recordChild(nodeProcessRecord(stateDir, node.id), proc.pid);
    const kill = () => proc.kill("SIGTERM");
    signal?.addEventListener("abort", kill, { once: true });
    try {
      return await proc.exited;
    } finally {
      signal?.removeEventListener("abort", kill);
      forgetChild(nodeProcessRecord(stateDir, node.id));
    }
  };
}

/**
 * Runs the graph: each node whose cache key (task, params, upstream outputs, code, lockfile,
 * backend) matches its record and whose outputs are intact is a hit; the others run, up to
 * `jobs` at a time (and `gpuSlots` GPU trainings), as soon as their upstream nodes are done.
 * A node another pipeline is running (its lock file) is waited for, then is usually a cache hit.
 */
export async function runGraph(nodes: readonly PipelineNode[], options: RunOptions): Promise<NodeOutcome[]> {
  checkDependencies(nodes);
  const run = new GraphRun(options);
  const outcomes = await run.schedule(nodes);
  return nodes.map((n) => outcomes.get(n.id) as NodeOutcome);
}

function checkDependencies(nodes: readonly PipelineNode[]): void {
  const ids = new Set(nodes.map((n) => n.id));
  for (const n of nodes) for (const d of n.deps) if (!ids.has(d)) throw new TaskError("bad_graph", `node ${n.id} depends on unknown node ${d}`);
}

/** The cache's verdict on one node, with the key a run would record. */
interface Decision {
  hit: boolean;
  reasons: string[];
  key: string;
  components: KeyComponents;
  outputs: Record<string, string>;
}

/** One pipeline run's state: what finished, what it wrote, and the effects that must stop on every way out. */
class GraphRun {
  private readonly outputsOf: Record<string, Record<string, string>> = {};
  private readonly outcomes = new Map<string, NodeOutcome>();
  private readonly willRun = new Set<string>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly stop = new AbortController();
  private readonly env: Environment;
  private readonly execute: NodeExecutor;
  private bar: ProgressBar | undefined;

  constructor(private readonly options: RunOptions) {
    this.env = environment(options.root);
    this.execute = options.execute ?? childProcessExecutor(options.root, options.stateDir);
  }

  /** Starts every node whose upstream nodes are done, within the job and device-slot limits, until all are done. */
  async schedule(nodes: readonly PipelineNode[]): Promise<Map<string, NodeOutcome>> {
    const pending = new Map(nodes.map((n) => [n.id, n]));
    const limits = slotLimits(nodes, this.options);
    this.bar = this.options.progress("pipeline", nodes.length);
    mkdirSync(join(this.options.stateDir, "logs"), { recursive: true });
    const ticker = this.options.dryRun ? undefined : setInterval(() => this.showRunning(), 1000);
    try {
      while (pending.size || this.running.size) {
        for (const node of this.ready(pending, limits)) this.start(node);
        if (!this.running.size) throw new TaskError("bad_graph", `cycle among nodes: ${[...pending.keys()].join(", ")}`);
        await Promise.race(this.running.values());
      }
      return this.outcomes;
    } finally {
      // Every way out (a cycle, an unexpected error) stops the ticker, the bar and what still runs.
      if (ticker) clearInterval(ticker);
      this.bar.stop();
      if (this.running.size) this.stop.abort();
    }
  }

  /** Pending nodes whose upstream nodes are done and that fit in a free job (and device) slot, in graph order. */
  private ready(pending: Map<string, PipelineNode>, limits: SlotLimits): PipelineNode[] {
    const out: PipelineNode[] = [];
    for (const node of pending.values()) {
      if (this.running.size + out.length >= limits.jobs) break;
      if (!node.deps.every((d) => this.outcomes.has(d))) continue;
      if (!limits.fits(node, [...this.running.keys(), ...out.map((n) => n.id)])) continue;
      out.push(node);
    }
    for (const node of out) pending.delete(node.id);
    return out;
  }

  private start(node: PipelineNode): void {
    const done = this.runNode(node).then((o) => {
      this.outcomes.set(node.id, o);
      this.running.delete(node.id);
      this.report(o);
    });
    this.running.set(node.id, done);
  }

  /** One finished node: the bar moves, and one log line says what happened. */
  private report(o: NodeOutcome): void {
    this.bar?.increment(1, { node: o.id });
    const tail = o.error ? `: ${o.error}` : o.status === "cached" ? "" : o.reasons.length ? ` (${o.reasons.join("; ")})` : "";
    const log = o.status === "failed" ? this.options.log.error : this.options.log.info;
    log(`${o.status.padEnd(7)} ${o.id}${tail}`);
  }

  /** What the running nodes last reported (their plain progress lines), next to the bar. */
  private showRunning(): void {
    const parts = [...this.running.keys()].map((id) => {
      const line = lastLine(`${this.fileOf("logs", id, ".log")}.err`);
      return line ? `${id}: ${line}` : id;
    });
    // Whole lines: a terminal bar is cut to the terminal's width by cli-progress, a log keeps everything.
    if (parts.length) this.bar?.increment(0, { running: parts.join(" ‖ ") });
  }

  private fileOf(dir: string, id: string, ext: string): string {
    return join(this.options.stateDir, dir, `${nodeFileName(id)}${ext}`);
  }

  /** A node's fate: skipped after a failed upstream, a cache hit, planned (dry run), or run under its lock. */
  private async runNode(node: PipelineNode): Promise<NodeOutcome> {
    const failedDeps = node.deps.filter((d) => ["failed", "skipped"].includes(this.outcomes.get(d)?.status ?? ""));
    if (failedDeps.length) return { id: node.id, status: "skipped", reasons: failedDeps.map((d) => `upstream ${d} did not finish`) };
    const decision = this.decide(node);
    if (decision.hit) return this.cached(node, decision);
    this.willRun.add(node.id);
    if (this.options.dryRun) {
      this.outputsOf[node.id] = {};
      return { id: node.id, status: "planned", reasons: decision.reasons, key: decision.key };
    }
    try {
      return await this.runLocked(node);
    } catch (e) {
      return { id: node.id, status: "failed", reasons: decision.reasons, error: errorMessage(e) };
    }
  }

  private cached(node: PipelineNode, decision: Decision): NodeOutcome {
    this.outputsOf[node.id] = decision.outputs;
    return { id: node.id, status: "cached", reasons: [] };
  }

  private decide(node: PipelineNode): Decision {
    const components = keyComponents(node, this.outputsOf, this.options.root, this.env);
    const key = cacheKey(components);
    const upstreamRerun = node.deps.filter((d) => this.willRun.has(d));
    const record = readRecord(recordPath(this.options.stateDir, node.id));
    const miss = (reasons: string[]): Decision => ({ hit: false, reasons, key, components, outputs: {} });
    if (upstreamRerun.length && this.options.dryRun) return miss(upstreamRerun.map((d) => `upstream ${d} will run`));
    if (!record) return miss(["never ran (no cache record)"]);
    if (record.key !== key) return miss(explainChange(record.components, components));
    const damaged = damagedOutputs(record);
    if (damaged.length) return miss(damaged.map((p) => `output missing or changed: ${p}`));
    return { hit: true, reasons: [], key, components, outputs: record.outputs };
  }

  /**
   * Takes the node's lock (next to its cache record), waiting while another pipeline runs it,
   * then decides again: what the other one finished is a cache hit, never a second run.
   */
  private async runLocked(node: PipelineNode): Promise<NodeOutcome> {
    const path = `${recordPath(this.options.stateDir, node.id)}.lock`;
    const lock = await waitForLock(path, `pipeline node ${node.id}`, {
      now: this.options.now,
      onWait: (h) => this.options.log.info(`waiting for node ${node.id} (locked by ${describeHolder(h)})${foreignHolderHint(path, h)}`),
    });
    try {
      const decision = this.decide(node);
      return decision.hit ? this.cached(node, decision) : await this.runAttempt(node, decision);
    } finally {
      lock.release();
    }
  }

  /** Runs the node's task (resuming an interrupted attempt of the same key) and records its outputs. */
  private async runAttempt(node: PipelineNode, { reasons, key, components }: Decision): Promise<NodeOutcome> {
    // A pipeline killed alone (kill -9) may have left the node's task running: stop it before its work dir is touched.
    const orphan = await stopOrphan(nodeProcessRecord(this.options.stateDir, node.id));
    if (orphan) this.options.log.warn(`${node.id}: stopped pid ${orphan.pid}, left running by an interrupted pipeline`);
    // An interrupted run of this very key may resume; anything else starts from an empty work dir.
    const attempt = this.fileOf("attempts", node.id, ".key");
    const sameAttempt = existsSync(attempt) && readFileSync(attempt, "utf8") === key;
    const resumed = sameAttempt && node.resume !== undefined && existsSync(node.resume.marker);
    if (!sameAttempt && node.workDir) rmSync(node.workDir, { recursive: true, force: true });
    writeFileAtomic(attempt, key);
    const params = resumed && node.resume ? { ...node.params, [node.resume.param]: true } : node.params;
    const logFile = this.fileOf("logs", node.id, ".log");
    this.options.log.info(`▶ ${node.id}${resumed ? " (resuming from its checkpoint)" : ""}: ${reasons.join("; ")}`);
    const failed = (error: string): NodeOutcome => ({ id: node.id, status: "failed", reasons, resumed, error, log: logFile });
    let code: number;
    try {
      code = await this.execute(node, params, logFile, this.stop.signal, { key, components });
    } catch (e) {
      return failed(`executor failed: ${errorMessage(e)}`);
    }
    if (code !== 0) {
      const why = lastLine(`${logFile}.err`);
      return failed(`exit code ${code}${why ? `: ${why}` : ""} (log: ${logFile}.err)`);
    }
    const missing = node.outputs.filter((p) => !existsSync(p));
    if (missing.length) return failed(`finished without writing ${missing.join(", ")}`);
    const outputs = Object.fromEntries(node.outputs.map((p) => [p, sha256File(p)]));
    this.outputsOf[node.id] = outputs;
    writeRecord(recordPath(this.options.stateDir, node.id), { key, components, outputs, finishedAt: this.options.now().toISOString() });
    rmSync(attempt, { force: true });
    return { id: node.id, status: "ran", reasons, resumed, log: logFile };
  }
}

/** The last non-empty line of a (possibly growing) log file, read from its last 4 KiB. */
function lastLine(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, 4096);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    return buf.toString("utf8").split("\n").map((l) => l.trim()).filter(Boolean).at(-1);
  } finally {
    closeSync(fd);
  }
}
