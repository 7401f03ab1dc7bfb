import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runGraph, sourceClosure, type PipelineNode } from "../../../lib/pipeline/index.ts";
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

describe("sourceClosure(tasks/seed.ts)", () => {
  test("follows relative imports into lib/ (so a lib change changes the task's code hash)", () => {
    const files = sourceClosure(join(ROOT, "tasks", "seed.ts")).map((f) => f.slice(ROOT.length + 1));
    expect(files).toContain("tasks/seed.ts");
    expect(files).toContain("lib/rng/streams.ts");
    expect(files).toContain("lib/artifacts/atomic.ts");
  });
});
