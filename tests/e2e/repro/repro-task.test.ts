import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { referenceKey } from "../../../lib/backend/index.ts";
import { nativeBuilt } from "../../../lib/backend/native/index.ts";
import { writeTinyExperiment } from "../../unit/pipeline/tiny-experiment.ts";

const ROOT = join(import.meta.dir, "..", "..", "..");
const dir = mkdtempSync(join(tmpdir(), "repro-"));
/** A clean git checkout to run from: references are made only from a clean tree (git state of the working directory). */
const checkout = join(dir, "checkout");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => {
  mkdirSync(checkout);
  const git = (...args: string[]) => Bun.spawnSync(["git", "-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: checkout });
  git("init", "-q");
  writeFileSync(join(checkout, "README"), "clean\n");
  git("add", "README");
  git("commit", "-qm", "init");
});

interface ReproReport {
  passed: boolean;
  checks: { backend_key: string; passed: boolean; experiment_changes: string | null; verdicts: { seed: string; verdict: string; first_divergent_epoch: number | null; first_divergent_metric: { name: string } | null }[] }[];
}
const json = <T,>(path: string) => JSON.parse(readFileSync(path, "utf8")) as T;
const references = join(dir, "references");
const outdir = join(dir, "repro");

function repro(...args: string[]) {
  const experiment = join(dir, "nightly.json");
  const proc = Bun.spawnSync([process.execPath, join(ROOT, "cli", "main.ts"), "repro", "--experiment", experiment, "--references", references, "--outdir", outdir, ...args], { cwd: checkout });
  return { code: proc.exitCode, stderr: proc.stderr.toString() };
}

test("repro --update-reference stores the experiment and its key; an unchanged rerun is identical and its report is kept by date", () => {
  writeTinyExperiment(dir, "nightly");
  const made = repro("--backend", "wasm", "--update-reference", "--reason", "first baseline");
  expect(made.stderr).not.toContain("error:");
  expect(made.code).toBe(0);
  const reference = json<{ reason: string; reference_key: string; experiment_json: { train: { lr: number } }; seeds: Record<string, unknown> }>(join(references, "wasm", "nightly.json"));
  expect(reference.reason).toBe("first baseline");
  expect(reference.reference_key).toBe("wasm");
  expect(reference.experiment_json.train.lr).toBe(3e-3);
  expect(Object.keys(reference.seeds)).toEqual(["42", "43"]);

  expect(repro("--backend", "wasm").code).toBe(0);
  const ok = json<ReproReport>(join(outdir, "repro_report.json"));
  expect(ok.passed).toBe(true);
  expect(ok.checks.map((c) => c.backend_key)).toEqual(["wasm"]);
  expect(ok.checks[0]?.verdicts.map((v) => v.verdict)).toEqual(["identical", "identical"]);
  expect(readFileSync(join(outdir, "repro_report.md"), "utf8")).toContain("PASS");
  // Two runs, two dated copies (the latest is also at the top).
  expect(readdirSync(join(outdir, "history")).length).toBe(2);
});

test("repro names the experiment field that changed when it drifts", () => {
  writeTinyExperiment(dir, "nightly", { lr: 5e-3 });
  const r = repro("--backend", "wasm");
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("reproducibility check failed: wasm seed 42 drift, wasm seed 43 drift (the experiment changed: train.lr: 0.003 → 0.005)");
  const drift = json<ReproReport>(join(outdir, "repro_report.json"));
  expect(drift.passed).toBe(false);
  for (const v of drift.checks[0]?.verdicts ?? []) {
    expect(v.verdict).toBe("drift");
    expect(v.first_divergent_epoch).toBe(1);
  }
  writeTinyExperiment(dir, "nightly");
});

test("repro refuses at once, before training, when a backend has no reference, naming it", () => {
  const backend = nativeBuilt() ? "native" : "wasm";
  const key = referenceKey(backend);
  const empty = join(dir, "no-references");
  const proc = Bun.spawnSync([process.execPath, join(ROOT, "cli", "main.ts"), "repro", "--experiment", join(dir, "nightly.json"), "--references", empty, "--outdir", join(dir, "refused"), "--backend", backend], { cwd: checkout });
  expect(proc.exitCode).toBe(2);
  expect(proc.stderr.toString()).toStartWith(`error: no reference for ${key} (${join(empty, key, "nightly.json")})`);
  expect(existsSync(join(dir, "refused"))).toBe(false);
});

test("repro --update-reference refuses a tree with uncommitted changes", () => {
  writeFileSync(join(checkout, "scratch.txt"), "not committed\n");
  const r = repro("--backend", "wasm", "--update-reference", "--reason", "from a dirty tree");
  rmSync(join(checkout, "scratch.txt"));
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("has uncommitted changes (git status); references are made only from a clean tree");
});

test("repro --update-reference on two backends records a clean tree for both, with the references inside the checkout", () => {
  writeTinyExperiment(dir, "nightly");
  const inside = join(checkout, "references");
  const second = nativeBuilt() ? "native" : "cpu";
  const proc = Bun.spawnSync(
    [process.execPath, join(ROOT, "cli", "main.ts"), "repro", "--experiment", join(dir, "nightly.json"), "--references", inside, "--outdir", join(dir, "two"), "--backend", "wasm", "--backend", second, "--update-reference", "--reason", "two backends"],
    { cwd: checkout },
  );
  expect(proc.stderr.toString()).not.toContain("error:");
  expect(proc.exitCode).toBe(0);
  // The first reference written must not make the second backend's run see a dirty tree.
  for (const key of ["wasm", referenceKey(second)]) {
    const reference = json<{ environment: { git_dirty: boolean | null } }>(join(inside, key, "nightly.json"));
    expect([key, reference.environment.git_dirty]).toEqual([key, false]);
  }
});
