import { afterAll, beforeAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Study } from "../../../lib/hpo/index.ts";
import { processAlive, type ProcessId } from "../../../lib/runs/lock.ts";
import { runTask } from "../../../lib/task/index.ts";
import { tinyTraining } from "../train/tiny-training.ts";

const ROOT = resolve(import.meta.dir, "..", "..", "..");
const dir = mkdtempSync(join(tmpdir(), "hpo-"));
const space = join(dir, "space.json");
const { cohort, base: training } = tinyTraining(dir);
const base = {
  ...training,
  space,
  sampler: "random",
  prune: false,
};

interface HpoSummary {
  trials: { number: number; params: Record<string, unknown>; state: string; value: number | null; error: string | null }[];
  best: { number: number } | null;
}
const json = <T,>(path: string) => JSON.parse(readFileSync(path, "utf8")) as T;

beforeAll(async () => {
  await runTask("synth", { outdir: cohort, accessions: 30, seed: 9, imageSize: 32, encodings: ["explicit-le"] }, { quiet: true });
  writeFileSync(
    space,
    JSON.stringify({
      params: { lr: { type: "float", low: 1e-3, high: 1e-2, log: true }, batchSize: { type: "categorical", choices: [4, 8] } },
      fixed: { backboneLr: 1e-3 },
      objective: "macro_f1",
    }),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("hpo --sampler random gives the same trials with --workers 1 and --workers 2", async () => {
  await runTask("hpo", { ...base, nTrials: 3, workers: 1, outdir: join(dir, "w1") }, { quiet: true });
  await runTask("hpo", { ...base, nTrials: 3, workers: 2, outdir: join(dir, "w2") }, { quiet: true });
  const [a, b] = [json<HpoSummary>(join(dir, "w1", "hpo_summary.json")), json<HpoSummary>(join(dir, "w2", "hpo_summary.json"))];
  expect(a.trials.map((t) => t.state)).toEqual(["complete", "complete", "complete"]);
  expect(b.trials.map((t) => [t.number, t.params, t.value])).toEqual(a.trials.map((t) => [t.number, t.params, t.value]));
  // Trial 1's params differ from trial 0's: each trial has its own stream hpo/trial/i.
  expect(a.trials[1]?.params).not.toEqual(a.trials[0]?.params);
  // Each trial is a normal run with its HPO files.
  expect(existsSync(join(dir, "w1", "trials", "trial_0000", "results", "optuna_trial.json"))).toBe(true);
  expect(existsSync(join(dir, "w1", "trials", "trial_0000", "results", "ray_trial_0000.jsonl"))).toBe(true);
  // The study can be queried with any SQLite client.
  const db = new Database(join(dir, "w1", "study.sqlite"), { readonly: true });
  expect(db.query("SELECT count(*) AS n FROM trial WHERE state = 'complete'").get()).toEqual({ n: 3 });
  db.close();
});

test("a killed hpo study resumes without repeating finished trials", async () => {
  const outdir = join(dir, "killed");
  const event = join(dir, "killed-event.json");
  writeFileSync(event, JSON.stringify({ ...base, nTrials: 3, workers: 1, outdir }));
  const child = Bun.spawn([process.execPath, join(ROOT, "cli", "main.ts"), "hpo", "--event", event, "--quiet"], { stdout: "ignore", stderr: "ignore" });
  const db = join(outdir, "study.sqlite");
  const deadline = Date.now() + 90_000;
  // Kill it once the first trial is complete and the second has started.
  for (;;) {
    if (Date.now() > deadline) throw new Error("hpo never finished its first trial");
    // The study file appears only with its schema (Study.open), and attach waits out a writer's lock.
    if (existsSync(db)) {
      const study = Study.attach(db, "density");
      const states = study.trials().map((t) => t.state);
      study.close();
      if (states.includes("complete") && states.includes("running")) break;
    }
    await Bun.sleep(100);
  }
  child.kill(9);
  await child.exited;
  // Trial 1's train process outlives the killed study (an orphan): the resumed study must stop it
  // before remaking the trial, or it keeps writing into the trial's run directory.
  const orphanRecord = join(outdir, "events", "trial_0001.json.pid");
  const orphan = existsSync(orphanRecord) ? (JSON.parse(readFileSync(orphanRecord, "utf8")) as ProcessId) : null;
  const firstDone = statSync(join(outdir, "trials", "trial_0000", "results", "summary.json")).mtimeMs;
  await runTask("hpo", { ...base, nTrials: 3, workers: 1, outdir }, { quiet: true });
  if (orphan) expect(processAlive(orphan)).toBe(false);
  const summary = json<HpoSummary>(join(outdir, "hpo_summary.json"));
  for (const t of summary.trials.filter((t) => t.state !== "complete")) {
    const log = join(outdir, "logs", `trial_000${t.number}.log.err`);
    console.error(`trial ${t.number} ${t.state}: ${t.error}\n${existsSync(log) ? readFileSync(log, "utf8").slice(-2000) : "(no log)"}`);
  }
  expect(summary.trials.map((t) => [t.number, t.state])).toEqual([
    [0, "complete"],
    [1, "complete"],
    [2, "complete"],
  ]);
  expect(statSync(join(outdir, "trials", "trial_0000", "results", "summary.json")).mtimeMs).toBe(firstDone);
  // Same trials as an uninterrupted study.
  const w1 = json<HpoSummary>(join(dir, "w1", "hpo_summary.json"));
  expect(summary.trials.map((t) => [t.params, t.value])).toEqual(w1.trials.map((t) => [t.params, t.value]));
});
