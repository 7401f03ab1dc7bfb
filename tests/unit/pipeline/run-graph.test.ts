import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { runGraph, sourceClosure, type NodeOutcome, type PipelineNode, type RunOptions } from "../../../lib/pipeline/index.ts";
import { createLogger } from "../../../lib/log/index.ts";
import { quietProgress } from "../../../lib/progress/index.ts";

const ROOT = resolve(import.meta.dir, "..", "..", "..");

function graph(dir: string, seedsA: number[]): PipelineNode[] {
  const a = join(dir, "a");
  const b = join(dir, "b");
  const c = join(dir, "c");
  return [
    { id: "a", task: "seed", params: { seeds: seedsA, outdir: a }, deps: [], outputs: [join(a, "seeds.json")] },
    { id: "b", task: "seed", params: { seeds: [1], outdir: b }, deps: ["a"], outputs: [join(b, "seeds.json")] },
    { id: "c", task: "seed", params: { seeds: [2], outdir: c }, deps: [], outputs: [join(c, "seeds.json")] },
  ];
}

async function run(nodes: PipelineNode[], stateDir: string, dryRun = false) {
  const ran: string[] = [];
  const outcomes = await runGraph(nodes, {
    root: ROOT,
    stateDir,
    jobs: 2,
    dryRun,
    log: createLogger({ console: null, now: () => new Date(0) }),
    progress: quietProgress,
    now: () => new Date(0),
  });
  for (const o of outcomes) if (o.status === "ran") ran.push(o.id);
  return { ran, outcomes };
}

describe("runGraph(nodes, options)", () => {
  test("a second identical run is all cache hits; a changed param re-runs exactly that node and its dependents", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pipeline-"));
    const state = join(dir, ".pipeline");
    expect((await run(graph(dir, [42]), state)).ran).toEqual(["a", "b", "c"]);
    const second = await run(graph(dir, [42]), state);
    expect(second.outcomes.map((o) => o.status)).toEqual(["cached", "cached", "cached"]);
    const plan = await run(graph(dir, [43]), state, true);
    expect(plan.outcomes.map((o) => [o.id, o.status, o.reasons])).toEqual([
      ["a", "planned", ["param seeds: [42] → [43]"]],
      ["b", "planned", ["upstream a will run"]],
      ["c", "cached", []],
    ]);
    expect((await run(graph(dir, [43]), state)).ran).toEqual(["a", "b"]);
  });
  test("a damaged output is re-made", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pipeline-"));
    const state = join(dir, ".pipeline");
    await run(graph(dir, [42]), state);
    writeFileSync(join(dir, "c", "seeds.json"), "{}");
    const again = await run(graph(dir, [42]), state, true);
    expect(again.outcomes.find((o) => o.id === "c")?.reasons).toEqual([`output missing or changed: ${join(dir, "c", "seeds.json")}`]);
  });
  test("a failed node skips its dependents and the others still run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pipeline-"));
    const nodes = graph(dir, [42]);
    (nodes[0] as PipelineNode).params = { seeds: [-1], outdir: join(dir, "a") };
    const { outcomes } = await run(nodes, join(dir, ".pipeline"));
    expect(outcomes.map((o) => o.status)).toEqual(["failed", "skipped", "ran"]);
  });
});

describe("runGraph(nodes, {execute}) when the executor throws", () => {
  test("resolves with that node failed, carrying the message, skips its dependents, runs the rest, and leaves no live timer (the process exits)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pipeline-throw-"));
    // In a child process: before the fix, the runner's progress interval kept it alive forever.
    const script = `
      import { runGraph } from ${JSON.stringify(join(ROOT, "lib", "pipeline", "index.ts"))};
      import { createLogger } from ${JSON.stringify(join(ROOT, "lib", "log", "index.ts"))};
      import { quietProgress } from ${JSON.stringify(join(ROOT, "lib", "progress", "index.ts"))};
      import { mkdirSync, writeFileSync } from "node:fs";
      const dir = ${JSON.stringify(dir)};
      const nodes = [
        { id: "a", task: "seed", params: {}, deps: [], outputs: [] },
        { id: "b", task: "seed", params: {}, deps: ["a"], outputs: [] },
        { id: "c", task: "seed", params: {}, deps: [], outputs: [dir + "/c/out.txt"] },
      ];
      const execute = async (node) => {
        if (node.id === "a") throw new Error("sbatch: command not found");
        mkdirSync(dir + "/c", { recursive: true });
        writeFileSync(dir + "/c/out.txt", "c");
        return 0;
      };
      const log = createLogger({ console: null, now: () => new Date(0) });
      const result = await runGraph(nodes, { root: ${JSON.stringify(ROOT)}, stateDir: dir + "/.pipeline", jobs: 2, dryRun: false, log, progress: quietProgress, now: () => new Date(0), execute })
        .catch((e) => ({ thrown: String(e) }));
      console.log(JSON.stringify(result));
    `;
    const child = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "pipe" });
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    const code = await child.exited;
    clearTimeout(timer);
    const out = await new Response(child.stdout).text();
    expect({ code, signal: child.signalCode }).toEqual({ code: 0, signal: null });
    const outcomes = JSON.parse(out.trim().split("\n").at(-1) as string) as { id: string; status: string; error?: string }[];
    expect(outcomes.map((o) => [o.id, o.status])).toEqual([
      ["a", "failed"],
      ["b", "skipped"],
      ["c", "ran"],
    ]);
    expect(outcomes[0]?.error).toBe("executor failed: sbatch: command not found");
  }, 90_000);
});

/** An executor that writes each node's outputs after `ms`, recording which nodes overlapped. */
function recordingExecutor(ms: number) {
  const running = new Set<string>();
  const executed: string[] = [];
  const overlaps: string[][] = [];
  const execute = async (node: PipelineNode) => {
    running.add(node.id);
    overlaps.push([...running].sort());
    executed.push(node.id);
    await Bun.sleep(ms);
    for (const out of node.outputs) {
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, node.id);
    }
    running.delete(node.id);
    return 0;
  };
  return { execute, executed, overlaps };
}

function options(stateDir: string, extra: Partial<RunOptions>, lines: string[] = []): RunOptions {
  const log = createLogger({ console: null, now: () => new Date(0) });
  return { root: ROOT, stateDir, jobs: 4, dryRun: false, log: { ...log, info: (m: string) => lines.push(m) }, progress: quietProgress, now: () => new Date(0), ...extra };
}

describe("runGraph: two runs of one graph at once (node locks)", () => {
  test("each node is executed once; the second run waits for it, says so, and takes it from the cache", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pipeline-twice-"));
    const nodes = graph(dir, [42]);
    const { execute, executed } = recordingExecutor(300);
    const lines: string[][] = [[], []];
    const [a, b] = await Promise.all([0, 1].map((i) => runGraph(nodes, options(join(dir, ".pipeline"), { execute }, lines[i]))));
    expect(executed.sort()).toEqual(["a", "b", "c"]);
    const statuses = (a as NodeOutcome[]).map((o, i) => [o.id, [o.status, (b as NodeOutcome[])[i]?.status].sort()]);
    expect(statuses).toEqual([
      ["a", ["cached", "ran"]],
      ["b", ["cached", "ran"]],
      ["c", ["cached", "ran"]],
    ]);
    const waits = lines.flat().filter((l) => l.startsWith("waiting for node"));
    expect(waits.length).toBeGreaterThanOrEqual(1);
    expect(waits[0]).toMatch(new RegExp(`^waiting for node [abc] \\(locked by pid ${process.pid} since 1970-01-01T00:00:00.000Z\\)$`));
    expect(readdirSync(join(dir, ".pipeline", "nodes")).sort()).toEqual(["a.json", "b.json", "c.json"]);
  });
});

describe("runGraph: device slots", () => {
  const nodes = (dir: string, backends: string[], task = "train"): PipelineNode[] =>
    backends.map((backend, i) => ({ id: `n${i}`, task, params: { backend, i }, deps: [], outputs: [join(dir, `n${i}`, "out.txt")], codeFiles: [join(ROOT, "tasks", "seed.ts")] }));
  const gpuOverlap = (overlaps: string[][], gpu: Set<string>) => Math.max(...overlaps.map((o) => o.filter((id) => gpu.has(id)).length));
  test("--jobs 4 runs CPU nodes side by side but one GPU training at a time (default one slot)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pipeline-slots-"));
    const { execute, overlaps } = recordingExecutor(150);
    await runGraph(nodes(dir, ["webgpu", "gpu", "wasm", "webgpu", "native"]), options(join(dir, ".pipeline"), { execute }));
    expect(gpuOverlap(overlaps, new Set(["n0", "n1", "n3"]))).toBe(1);
    expect(Math.max(...overlaps.map((o) => o.length))).toBeGreaterThanOrEqual(2);
  });
  test("--gpu-slots 2 lets two GPU trainings overlap; task train-gpu counts as GPU whatever its backend", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pipeline-slots-"));
    const { execute, overlaps } = recordingExecutor(150);
    await runGraph(nodes(dir, ["webgpu", "webgpu", "webgpu"]), options(join(dir, ".pipeline"), { execute, gpuSlots: 2 }));
    expect(gpuOverlap(overlaps, new Set(["n0", "n1", "n2"]))).toBe(2);
    const dir2 = mkdtempSync(join(tmpdir(), "pipeline-slots-"));
    const second = recordingExecutor(150);
    await runGraph(nodes(dir2, ["auto", "auto"], "train-gpu"), options(join(dir2, ".pipeline"), { execute: second.execute }));
    expect(gpuOverlap(second.overlaps, new Set(["n0", "n1"]))).toBe(1);
  });
});

describe("sourceClosure(tasks/seed.ts)", () => {
  test("follows relative imports into lib/ (so a lib change changes the task's code hash)", () => {
    const files = sourceClosure(join(ROOT, "tasks", "seed.ts")).map((f) => f.slice(ROOT.length + 1));
    expect(files).toContain("tasks/seed.ts");
    expect(files).toContain("lib/rng/streams.ts");
    expect(files).toContain("lib/artifacts/atomic.ts");
  });
});

describe("runGraph's progress", () => {
  test("shows a running node's last progress line whole, however long (no cut at a fixed width)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pipeline-progress-"));
    const long = `train: 3/20 (15%) 0.4/s, elapsed 8s, ETA 43s | ${Array.from({ length: 30 }, (_, i) => `metric_${i} 0.${i}`).join(" | ")}`;
    expect(long.length).toBeGreaterThan(300);
    const payloads: string[] = [];
    const progress = () => ({ update() {}, increment: (_n?: number, p?: Record<string, string | number>) => void (p?.running !== undefined && payloads.push(String(p.running))), stop() {} });
    const node: PipelineNode = { id: "a", task: "seed", params: { seeds: [1], outdir: join(dir, "a") }, deps: [], outputs: [] };
    await runGraph([node], {
      root: ROOT,
      stateDir: join(dir, ".pipeline"),
      jobs: 1,
      dryRun: false,
      log: createLogger({ console: null, now: () => new Date(0) }),
      progress,
      now: () => new Date(0),
      execute: async (_node, _params, logFile) => {
        mkdirSync(dirname(logFile), { recursive: true });
        writeFileSync(`${logFile}.err`, `${long}\n`);
        // The runner looks every second; wait until it has shown the line (or give up after 30 s).
        for (const deadline = Date.now() + 30_000; !payloads.some((p) => p.includes("metric_29")) && Date.now() < deadline; ) await Bun.sleep(100);
        return 0;
      },
    });
    expect(payloads.length).toBeGreaterThan(0);
    expect(payloads.at(-1)).toBe(`a: ${long}`);
  });
});
