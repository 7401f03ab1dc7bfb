// Scheduling overhead of `pipeline --executor slurm` per node, against Slurm's own start-up, in
// one run on the same cluster: a chain of N small nodes (each waits for the one before, so every
// node's submit, poll and record check is on the critical path), run
//   1. by `runGraph` with the Slurm executor (its default polling: 1 s, backing off to 30 s), and
//   2. by the peer: `sbatch` of a script running the same task command, then `squeue` every
//      100 ms until the job is gone (what Slurm itself takes, polled faster than the runner may).
// Overhead per node = (1 − 2) / N.
//
//   SLURM_CONF=… bun bench/slurm-overhead.ts [nodes=30]
//
// Needs a running cluster: `ops/slurm/local-cluster.sh start DIR` prints the SLURM_CONF line.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createLogger } from "../lib/log/index.ts";
import { resolveNodes, runGraph, type GraphNode } from "../lib/pipeline/index.ts";
import { SlurmExecutor } from "../lib/pipeline/slurm/index.ts";
import { quietProgress } from "../lib/progress/index.ts";

const [nodes = 30] = process.argv.slice(2).map(Number);
const ROOT = resolve(import.meta.dir, "..");
if (!process.env.SLURM_CONF) throw new Error("set SLURM_CONF (ops/slurm/local-cluster.sh start DIR prints it)");
const dir = mkdtempSync(join(tmpdir(), "slurm-overhead-"));
const log = createLogger({ console: null, now: () => new Date() });

async function viaRunner(): Promise<number> {
  const graph: GraphNode[] = Array.from({ length: nodes }, (_, k) => ({ id: `seed/${k}`, task: "seed", params: { seeds: [k + 1], outdir: join(dir, "runner", `s${k}`) }, deps: k ? [`seed/${k - 1}`] : [] }));
  const resolved = await resolveNodes(graph, ROOT);
  const stateDir = join(dir, "runner", ".pipeline");
  const slurm = new SlurmExecutor({ root: ROOT, stateDir, cwd: process.cwd(), block: null, retries: 0, log });
  const t0 = performance.now();
  const outcomes = await runGraph(resolved, { root: ROOT, stateDir, jobs: nodes, dryRun: false, log, progress: quietProgress, now: () => new Date(), execute: slurm.execute });
  const failed = outcomes.filter((o) => o.status !== "ran");
  if (failed.length) throw new Error(`runner: ${failed.length} nodes did not run: ${failed[0]?.error}`);
  return (performance.now() - t0) / 1000;
}

async function viaSbatch(): Promise<number> {
  const t0 = performance.now();
  for (let k = 0; k < nodes; k++) {
    const event = join(dir, "peer", `e${k}.json`);
    const script = join(dir, "peer", `j${k}.sh`);
    Bun.spawnSync(["mkdir", "-p", join(dir, "peer")]);
    writeFileSync(event, JSON.stringify({ seeds: [k + 1], outdir: join(dir, "peer", `s${k}`) }));
    writeFileSync(script, `#!/bin/bash\n${process.execPath} ${ROOT}/cli/main.ts seed --event ${event} --quiet\n`, { mode: 0o755 });
    const env = { ...process.env };
    const sub = Bun.spawnSync(["sbatch", "--parsable", `--output=${join(dir, "peer", `j${k}.out`)}`, script], { env });
    const id = sub.stdout.toString().trim();
    if (!/^\d+$/.test(id)) throw new Error(`sbatch: ${sub.stderr.toString()}`);
    while (Bun.spawnSync(["squeue", "--noheader", `--jobs=${id}`, "--format=%i"], { env }).stdout.toString().trim()) await Bun.sleep(100);
  }
  return (performance.now() - t0) / 1000;
}

try {
  const peer = await viaSbatch();
  const ours = await viaRunner();
  console.log(`chain of ${nodes} nodes (task seed) on the cluster of ${process.env.SLURM_CONF}`);
  console.log(`sbatch + squeue every 100 ms: ${peer.toFixed(1)} s (${(peer / nodes).toFixed(2)} s/node)`);
  console.log(`pipeline --executor slurm:    ${ours.toFixed(1)} s (${(ours / nodes).toFixed(2)} s/node)`);
  console.log(`overhead per node: ${((ours - peer) / nodes).toFixed(2)} s (ratio ${(ours / peer).toFixed(2)})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
