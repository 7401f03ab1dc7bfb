import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTask } from "../../../lib/task/index.ts";
import { describeWith } from "../../support/requirements.ts";
import { startCluster, stopCluster } from "./cluster.ts";

interface HpoSummary {
  trials: { number: number; params: Record<string, unknown>; state: string; value: number | null; error: string | null }[];
}
const summary = (outdir: string) => JSON.parse(readFileSync(join(outdir, "hpo_summary.json"), "utf8")) as HpoSummary;

describeWith(["slurm"])("hpo --launcher slurm on a local one-node cluster", () => {
  const dir = mkdtempSync(join(tmpdir(), "hpo-slurm-"));
  const clusterDir = join(dir, "cluster");
  const cohort = join(dir, "cohort");
  const space = join(dir, "space.json");
  const base = {
    csv: join(cohort, "classificacao.csv"),
    dicomRoot: join(cohort, "archive"),
    cacheDir: join(dir, "cache"),
    arch: "small-cnn",
    backend: "wasm",
    imgSize: 16,
    epochs: 3,
    seed: 42,
    space,
    sampler: "random",
    nTrials: 4,
    // One at a time, so the median pruner sees the same earlier trials on both launchers.
    workers: 1,
    prune: true,
  };

  beforeAll(async () => {
    process.env.SLURM_CONF = startCluster(clusterDir);
    await runTask("synth", { outdir: cohort, accessions: 30, seed: 9, imageSize: 32, encodings: ["explicit-le"] }, { quiet: true });
    writeFileSync(space, JSON.stringify({ params: { lr: { type: "float", low: 1e-3, high: 1e-2, log: true }, batchSize: { type: "categorical", choices: [4, 8] } }, fixed: { backboneLr: 1e-3 }, objective: "macro_f1" }));
  });
  afterAll(() => {
    stopCluster(clusterDir);
    delete process.env.SLURM_CONF;
    rmSync(dir, { recursive: true, force: true });
  });

  test("trials run as Slurm jobs and the study (states, values, pruning) equals the local one", async () => {
    await runTask("hpo", { ...base, outdir: join(dir, "local") }, { quiet: true });
    await runTask("hpo", { ...base, outdir: join(dir, "slurm"), launcher: "slurm" }, { quiet: true });
    const [local, slurm] = [summary(join(dir, "local")), summary(join(dir, "slurm"))];
    expect(slurm.trials.map((t) => [t.number, t.params, t.state, t.value])).toEqual(local.trials.map((t) => [t.number, t.params, t.state, t.value]));
    expect(slurm.trials.filter((t) => t.state === "complete").length).toBeGreaterThan(0);
    // Each trial was one job: Slurm's log of it, and the exit status the job wrote.
    const logs = readdirSync(join(dir, "slurm", "logs"));
    for (const t of slurm.trials) {
      const name = `trial_${String(t.number).padStart(4, "0")}`;
      expect(logs.filter((f) => f.startsWith(`${name}.log.slurm-`))).toHaveLength(1);
      if (t.state === "complete") expect(readFileSync(join(dir, "slurm", "logs", `${name}.log.exit`), "utf8").trim()).toBe("0");
    }
  });
});
