import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { processAlive, processId } from "../../../lib/runs/lock.ts";
import { runTask } from "../../../lib/task/index.ts";
import { writeTinyExperiment } from "../../unit/pipeline/tiny-experiment.ts";

const ROOT = resolve(import.meta.dir, "..", "..", "..");
const dir = mkdtempSync(join(tmpdir(), "concurrent-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts `cli/main.ts args` and collects its exit code, stdout and stderr. */
async function cli(args: string[]): Promise<{ pid: number; code: number; out: string; err: string }> {
  const p = Bun.spawn([process.execPath, join(ROOT, "cli", "main.ts"), ...args], { stdout: "pipe", stderr: "pipe", env: { ...process.env, FORCE_COLOR: "0" } });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { pid: p.pid, code, out, err };
}

/** What must not depend on how the runs were scheduled: weights, best epoch, metrics (split_hash names paths, so it differs between outdirs). */
function results(outdir: string): string[] {
  return [42, 43].map((seed) => {
    const s = JSON.parse(readFileSync(join(outdir, "runs", `seed_${seed}`, "results", "summary.json"), "utf8")) as Record<string, unknown>;
    return JSON.stringify([seed, s.weights_sha256, s.final_weights_sha256, s.best_epoch, s.val_metrics]);
  });
}

const EPOCHS = { epochs: 4 };

describe("pipelines on one experiment", () => {
  beforeAll(async () => {
    // The reference: one pipeline alone.
    expect((await cli(["pipeline", writeTinyExperiment(dir, "single", EPOCHS), "--quiet"])).code).toBe(0);
  }, 600_000);

  test("two started together both exit 0, every node runs once (the other waits for it, then takes it from the cache), artifacts as a single run's", async () => {
    const experiment = writeTinyExperiment(dir, "exp", EPOCHS);
    const [a, b] = await Promise.all([cli(["pipeline", experiment, "--jobs", "2"]), cli(["pipeline", experiment, "--jobs", "2"])]);
    expect([a.code, b.code], `${a.err}\n${b.err}`).toEqual([0, 0]);
    const records = readdirSync(join(dir, "exp", ".pipeline", "nodes")).filter((f) => f.endsWith(".json"));
    const started = `${a.out}\n${b.out}`.split("\n").filter((l) => l.startsWith("▶ ")).map((l) => (l.slice(2).split(/[: ]/)[0] as string));
    // Each node executed by exactly one of the two processes.
    expect(started.sort()).toEqual(records.map((f) => f.replace(/\.json$/, "").replaceAll("__", "/")).sort());
    expect(new Set(started).size).toBe(started.length);
    const waits = `${a.out}\n${b.out}`.split("\n").filter((l) => l.startsWith("waiting for node "));
    for (const w of waits) expect(w).toMatch(/^waiting for node \S+ \(locked by pid (\d+) since \d{4}-\d\d-\d\dT[\d:.]+Z\)$/);
    expect(readdirSync(join(dir, "exp", ".pipeline", "nodes")).filter((f) => f.endsWith(".lock"))).toEqual([]);
    expect(results(join(dir, "exp"))).toEqual(results(join(dir, "single")));
  }, 600_000);

  test("one killed alone (kill -9, its training left running): the next takes its stale node lock over, stops the orphan, resumes, ends as a single run", async () => {
    const experiment = writeTinyExperiment(dir, "killed", EPOCHS);
    const first = Bun.spawn([process.execPath, join(ROOT, "cli", "main.ts"), "pipeline", experiment, "--jobs", "2", "--quiet"], { stdout: "ignore", stderr: "ignore" });
    const checkpoint = join(dir, "killed", "runs", "seed_42", "results", "checkpoint", "last.ckpt");
    const deadline = Date.now() + 300_000;
    while (!existsSync(checkpoint)) {
      if (Date.now() > deadline) throw new Error("training never wrote a checkpoint");
      await Bun.sleep(50);
    }
    first.kill(9); // the pipeline alone: its train processes go on as orphans
    await first.exited;
    // Hold seed 42's orphan (SIGSTOP) so that it is surely still there when the pipeline restarts.
    const orphan = JSON.parse(readFileSync(join(dir, "killed", ".pipeline", "attempts", "train__seed-42.pid"), "utf8")) as { pid: number };
    process.kill(orphan.pid, "SIGSTOP");
    let again: Awaited<ReturnType<typeof cli>>;
    try {
      again = await cli(["pipeline", experiment]);
    } finally {
      if (processAlive(processId(orphan.pid))) process.kill(orphan.pid, "SIGKILL"); // never leave it stopped
    }
    expect(again.code, again.err).toBe(0);
    expect(again.err).toContain(`warning: train/seed-42: stopped pid ${orphan.pid}, left running by an interrupted pipeline`);
    expect(again.out).toContain("▶ train/seed-42 (resuming from its checkpoint)");
    expect(results(join(dir, "killed"))).toEqual(results(join(dir, "single")));
  }, 600_000);
});

describe("three `train --resume` on one run directory at once", () => {
  const cohort = join(dir, "cohort");
  beforeAll(async () => {
    await runTask("synth", { outdir: cohort, accessions: 24, seed: 5, imageSize: 32, encodings: ["explicit-le"] }, { quiet: true });
  }, 300_000);
  test("one trains; the others exit 2 at once naming its pid and the lock file", async () => {
    const runDir = join(dir, "resumed", "results");
    const event = join(dir, "train-event.json");
    writeFileSync(
      event,
      JSON.stringify({ csv: join(cohort, "classificacao.csv"), dicomRoot: join(cohort, "archive"), arch: "small-cnn", backend: "wasm", imgSize: 16, batchSize: 8, epochs: 4, seed: 42, runDir, resume: true, cacheDir: join(dir, "cache") }),
    );
    const runs = await Promise.all([0, 1, 2].map(() => cli(["train", "--event", event, "--quiet"])));
    const winners = runs.filter((r) => r.code === 0);
    expect(winners.length, runs.map((r) => `${r.code}: ${r.err}`).join("\n")).toBe(1);
    const winner = winners[0] as (typeof runs)[number];
    for (const r of runs.filter((r) => r !== winner)) {
      expect(r.code).toBe(2);
      expect(r.err).toContain(`run directory ${runDir} is being trained by pid ${winner.pid} since `);
      expect(r.err).toContain(`(lock file ${join(runDir, ".train.lock")})`);
    }
    expect(existsSync(join(runDir, "summary.json"))).toBe(true);
    expect(existsSync(join(runDir, ".train.lock"))).toBe(false);
    // One training wrote the history: 4 epochs, once each.
    expect(readFileSync(join(runDir, "train_history.csv"), "utf8").trim().split("\n").length).toBe(5);
  }, 300_000);
});
