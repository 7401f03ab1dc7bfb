import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, rmSync } from "node:fs";
import { join } from "node:path";
import { sha256File, writeFileAtomic, writeJsonAtomic } from "../artifacts/index.ts";
import { TaskError } from "../errors/index.ts";
import type { Logger } from "../log/index.ts";
import type { Progress } from "../progress/index.ts";
import { cacheKey, damagedOutputs, environment, explainChange, keyComponents, nodeFileName, readRecord, recordPath, writeRecord, type KeyComponents } from "./cache.ts";
import type { PipelineNode } from "./graph.ts";

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
}

export interface RunOptions {
  root: string;
  /** Where cache records, events and node logs live. */
  stateDir: string;
  jobs: number;
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
export type NodeExecutor = (node: PipelineNode, params: Record<string, unknown>, logFile: string, signal?: AbortSignal) => Promise<number>;

/** Runs a task in a child process, so nodes run in parallel on all cores and a crash stays contained. */
export function childProcessExecutor(root: string, stateDir: string): NodeExecutor {
  return async (node, params, logFile, signal) => {
    const event = join(stateDir, "events", `${nodeFileName(node.id)}.json`);
    writeJsonAtomic(event, params);
    const proc = Bun.spawn([process.execPath, join(root, "cli", "main.ts"), node.task, "--event", event], {
      cwd: process.cwd(),
      stdout: Bun.file(logFile),
      stderr: Bun.file(`${logFile}.err`),
      env: { ...process.env, FORCE_COLOR: "0", MAMMO_PROGRESS_INTERVAL_MS: "2000" },
    });
    const kill = () => proc.kill("SIGTERM");
    signal?.addEventListener("abort", kill, { once: true });
    try {
      return await proc.exited;
    } finally {
      signal?.removeEventListener("abort", kill);
    }
  };
}

/**
 * Runs the graph: each node whose cache key (task, params, upstream outputs, code, lockfile,
 * backend) matches its record and whose outputs are intact is a hit; the others run, up to
 * `jobs` at a time, as soon as their upstream nodes are done.
 */
export async function runGraph(nodes: readonly PipelineNode[], options: RunOptions): Promise<NodeOutcome[]> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  for (const n of nodes) for (const d of n.deps) if (!byId.has(d)) throw new TaskError("bad_graph", `node ${n.id} depends on unknown node ${d}`);
  const execute = options.execute ?? childProcessExecutor(options.root, options.stateDir);
  const outputsOf: Record<string, Record<string, string>> = {};
  const outcomes = new Map<string, NodeOutcome>();
  const willRun = new Set<string>();
  const bar = options.progress("pipeline", nodes.length);
  const stop = new AbortController();
  mkdirSync(join(options.stateDir, "logs"), { recursive: true });

  const env = environment(options.root);
  const fileOf = (dir: string, id: string, ext: string) => join(options.stateDir, dir, `${nodeFileName(id)}${ext}`);

  const decide = (node: PipelineNode): { hit: boolean; reasons: string[]; key: string; components: KeyComponents; outputs: Record<string, string> } => {
    const components = keyComponents(node, outputsOf, options.root, env);
    const key = cacheKey(components);
    const upstreamRerun = node.deps.filter((d) => willRun.has(d));
    const record = readRecord(recordPath(options.stateDir, node.id));
    const miss = (reasons: string[]) => ({ hit: false, reasons, key, components, outputs: {} });
    if (upstreamRerun.length && options.dryRun) return miss(upstreamRerun.map((d) => `upstream ${d} will run`));
    if (!record) return miss(["never ran (no cache record)"]);
    if (record.key !== key) return miss(explainChange(record.components, components));
    const damaged = damagedOutputs(record);
    if (damaged.length) return miss(damaged.map((p) => `output missing or changed: ${p}`));
    return { hit: true, reasons: [], key, components, outputs: record.outputs };
  };

  const runOne = async (node: PipelineNode): Promise<NodeOutcome> => {
    const failedDeps = node.deps.filter((d) => {
      const s = outcomes.get(d)?.status;
      return s === "failed" || s === "skipped";
    });
    if (failedDeps.length) return { id: node.id, status: "skipped", reasons: failedDeps.map((d) => `upstream ${d} did not finish`) };
    const { hit, reasons, key, components, outputs: cached } = decide(node);
    if (hit) {
      outputsOf[node.id] = cached;
      return { id: node.id, status: "cached", reasons: [] };
    }
    willRun.add(node.id);
    if (options.dryRun) {
      outputsOf[node.id] = {};
      return { id: node.id, status: "planned", reasons };
    }
    // An interrupted run of this very key may resume; anything else starts from an empty work dir.
    const attempt = fileOf("attempts", node.id, ".key");
    const sameAttempt = existsSync(attempt) && readFileSync(attempt, "utf8") === key;
    const resumed = sameAttempt && node.resume !== undefined && existsSync(node.resume.marker);
    if (!sameAttempt && node.workDir) rmSync(node.workDir, { recursive: true, force: true });
    writeFileAtomic(attempt, key);
    const params = resumed && node.resume ? { ...node.params, [node.resume.param]: true } : node.params;
    const logFile = fileOf("logs", node.id, ".log");
    options.log.info(`▶ ${node.id}${resumed ? " (resuming from its checkpoint)" : ""}: ${reasons.join("; ")}`);
    let code: number;
    try {
      code = await execute(node, params, logFile, stop.signal);
    } catch (e) {
      return { id: node.id, status: "failed", reasons, resumed, error: `executor failed: ${e instanceof Error ? e.message : String(e)}`, log: logFile };
    }
    if (code !== 0) {
      const why = lastLine(`${logFile}.err`);
      return { id: node.id, status: "failed", reasons, resumed, error: `exit code ${code}${why ? `: ${why}` : ""} (log: ${logFile}.err)`, log: logFile };
    }
    const missing = node.outputs.filter((p) => !existsSync(p));
    if (missing.length) return { id: node.id, status: "failed", reasons, resumed, error: `finished without writing ${missing.join(", ")}`, log: logFile };
    const outputs = Object.fromEntries(node.outputs.map((p) => [p, sha256File(p)]));
    outputsOf[node.id] = outputs;
    writeRecord(recordPath(options.stateDir, node.id), { key, components, outputs, finishedAt: options.now().toISOString() });
    rmSync(attempt, { force: true });
    return { id: node.id, status: "ran", reasons, resumed, log: logFile };
  };

  const pending = new Set(nodes.map((n) => n.id));
  const running = new Map<string, Promise<void>>();
  // Show what the running nodes last reported (their plain progress lines) next to the bar.
  const ticker = options.dryRun
    ? undefined
    : setInterval(() => {
        const parts = [...running.keys()].map((id) => {
          const line = lastLine(fileOf("logs", id, ".log.err"));
          return line ? `${id}: ${line}` : id;
        });
        if (parts.length) bar.increment(0, { running: parts.join(" ‖ ").slice(0, 160) });
      }, 1000);
  try {
    while (pending.size || running.size) {
      for (const id of [...pending]) {
        if (running.size >= Math.max(1, options.jobs)) break;
        const node = byId.get(id) as PipelineNode;
        if (!node.deps.every((d) => outcomes.has(d))) continue;
        pending.delete(id);
        running.set(
          id,
          runOne(node).then((o) => {
            outcomes.set(id, o);
            running.delete(id);
            bar.increment(1, { node: id });
            const tail = o.error ? `: ${o.error}` : o.status === "cached" ? "" : o.reasons.length ? ` (${o.reasons.join("; ")})` : "";
            const log = o.status === "failed" ? options.log.error : options.log.info;
            log(`${o.status.padEnd(7)} ${id}${tail}`);
          }),
        );
      }
      if (!running.size) {
        if (pending.size) throw new TaskError("bad_graph", `cycle among nodes: ${[...pending].join(", ")}`);
        break;
      }
      await Promise.race(running.values());
    }
  } finally {
    // Every way out (a cycle, an unexpected error) stops the ticker, the bar and what still runs.
    if (ticker) clearInterval(ticker);
    bar.stop();
    if (running.size) stop.abort();
  }
  return nodes.map((n) => outcomes.get(n.id) as NodeOutcome);
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
