import { existsSync, readFileSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { z } from "zod";
import { contractJsonText, sha256 } from "../lib/artifacts/index.ts";
import { availableBackends, referenceKey, type AvailableBackend } from "../lib/backend/index.ts";
import { TaskError, usageError } from "../lib/errors/index.ts";
import { buildGraph, readExperiment } from "../lib/pipeline/index.ts";
import { gitState } from "../lib/provenance/index.ts";
import {
  compareSeed,
  DEFAULT_TOLERANCE,
  describeChanges,
  environmentDiff,
  fingerprintRun,
  jsonChanges,
  markdownSummary,
  referenceSchema,
  reproReferenceJson,
  reproReportJson,
  type BackendCheck,
  type Reference,
  type SeedFingerprint,
} from "../lib/repro/index.ts";
import { defineTask, type TaskContext } from "../lib/task/index.ts";

const BACKENDS = ["wasm", "native", "tensorflow", "cpu"] as const;

const params = z.object({
  experiment: z.string().default("experiments/nightly.json").describe("the reference experiment file"),
  references: z.string().default("references").describe("folder of stored references (<backend key>/<experiment>.json, e.g. native-avx512/nightly.json)"),
  backend: z.array(z.enum(BACKENDS)).default([]).describe("backends to check (default: every one available on this machine: wasm, native when built, tensorflow when installed)"),
  outdir: z.string().default("outputs/repro").describe("where the fresh runs and the reports go (latest in repro_report.{json,md}, each night's under history/<date>/)"),
  updateReference: z.boolean().default(false).describe("re-baseline: store this run as the new reference (needs --reason and a clean git tree)"),
  reason: z.string().optional().describe("why the reference is being updated (recorded in it)"),
  jobs: z.number().int().positive().default(1).describe("pipeline nodes run at the same time"),
});
type Params = z.infer<typeof params>;

/** The backends to check: the ones asked for (each must be able to start here), else all available. */
function targets(asked: Params["backend"]): AvailableBackend[] {
  const available = availableBackends();
  if (!asked.length) return available;
  return asked.map((name) => {
    if (name !== "cpu" && !available.some((b) => b.name === name)) {
      throw usageError("backend_unavailable", `--backend ${name}: not available on this machine (available: ${available.map((b) => b.name).join(", ")})`);
    }
    return { name, key: referenceKey(name) };
  });
}

/** References are made only from a committed tree, so that the commit they name is the code that made them. */
function requireCleanTree(): void {
  const { git_commit, git_dirty } = gitState(process.cwd());
  if (git_commit === null) throw usageError("dirty_tree", `--update-reference: ${process.cwd()} is not a git checkout; references are made only from a clean, committed tree`);
  if (git_dirty !== false) throw usageError("dirty_tree", `--update-reference: the tree at ${process.cwd()} has uncommitted changes (git status); references are made only from a clean tree: commit or stash first`);
}

/** Runs the experiment from scratch on one backend and reduces each seed's run to its fingerprint. */
async function runOn(target: AvailableBackend, p: Params, ctx: TaskContext) {
  const work = join(p.outdir, "work", target.key);
  // A nightly check must recompute everything: no cache from an earlier night.
  rmSync(work, { recursive: true, force: true });
  ctx.log.info(`repro: running ${p.experiment} from scratch on ${target.key} in ${work}`);
  const set = [`outdir=${JSON.stringify(work)}`, "report=null", `train.backend=${JSON.stringify(target.name)}`];
  await ctx.runTask("pipeline", { experiment: p.experiment, set, jobs: p.jobs });
  const runDirs = buildGraph(readExperiment(p.experiment, set))
    .filter((n) => n.task === "train")
    .map((n) => n.params.runDir as string);
  const runs = runDirs.map((d) => fingerprintRun(d));
  return {
    seeds: Object.fromEntries(runs.map((r) => [String(r.seed), r.fingerprint])) as Record<string, SeedFingerprint>,
    environment: runs[0]?.environment ?? {},
    backend: runs[0]?.backend ?? target.name,
  };
}

interface Check extends AvailableBackend {
  refPath: string;
}

/** The experiment file as text (hashed) and as JSON (diffed field by field). */
interface ExperimentFile {
  text: string;
  json: unknown;
}

/** The checks to make; refuses before any training a missing reference, or a dirty tree for a new one. */
function plannedChecks(p: Params): Check[] {
  if (p.updateReference && !p.reason?.trim()) throw usageError("missing_reason", '--update-reference needs --reason "why the reference changes"');
  const checks = targets(p.backend).map((t) => ({ ...t, refPath: join(p.references, t.key, `${basename(p.experiment, ".json")}.json`) }));
  if (p.updateReference) requireCleanTree();
  else {
    const missing = checks.filter((c) => !existsSync(c.refPath));
    if (missing.length) {
      throw usageError(
        "no_reference",
        `no reference for ${missing.map((c) => `${c.key} (${c.refPath})`).join(", ")}: make one from a clean tree with --update-reference --reason "first baseline"${missing.length < checks.length ? `, or check only the others with ${checks.filter((c) => !missing.includes(c)).map((c) => `--backend ${c.name}`).join(" ")}` : ""}`,
      );
    }
  }
  return checks;
}

/** Stores this run as the reference of `check` (keeping the previous reference's tolerances). */
function storeReference(check: Check, now: Awaited<ReturnType<typeof runOn>>, experiment: ExperimentFile, p: Params, ctx: TaskContext): void {
  const previous = existsSync(check.refPath) ? ctx.artifacts.readJson(check.refPath, referenceSchema, "reference") : undefined;
  const reference: Reference = {
    experiment: p.experiment,
    experiment_sha256: sha256(experiment.text),
    experiment_json: experiment.json,
    backend: now.backend,
    reference_key: check.key,
    updated_at: ctx.clock.now().toISOString(),
    reason: p.reason as string,
    environment: now.environment,
    tolerance: previous?.tolerance ?? DEFAULT_TOLERANCE,
    seeds: now.seeds,
  };
  // A committed file with its own provenance (environment, updated_at): checked, no envelope.
  ctx.artifacts.writeFile(check.refPath, contractJsonText(reproReferenceJson, reference));
  ctx.log.info(`reference updated: ${check.refPath} (${p.reason})`);
}

/** Compares every seed of this night's run on `check`'s backend with the stored reference. */
function compareWithReference(check: Check, now: Awaited<ReturnType<typeof runOn>>, experiment: ExperimentFile, p: Params, ctx: TaskContext): BackendCheck {
  const reference = ctx.artifacts.readJson(check.refPath, referenceSchema, "reference");
  const seeds = [...new Set([...Object.keys(reference.seeds), ...Object.keys(now.seeds)])].sort();
  const verdicts = seeds.map((s) => compareSeed(s, reference.seeds[s], now.seeds[s], reference.tolerance));
  const changes =
    reference.experiment_json === undefined
      ? reference.experiment_sha256 === sha256(experiment.text)
        ? null
        : "(the reference predates field-level records; its SHA-256 differs)"
      : describeChanges(jsonChanges(reference.experiment_json, experiment.json)) || null;
  return {
    key: check.key,
    reference: check.refPath,
    passed: verdicts.every((v) => v.verdict === "identical" || v.verdict === "within tolerance"),
    verdicts,
    environment: environmentDiff(reference.environment, now.environment),
    experimentChanges: changes,
  };
}

/** repro_report.json and .md, the latest under --outdir and a dated copy under history/ so that each night's is kept. */
function writeReports(results: readonly BackendCheck[], p: Params, ctx: TaskContext): boolean {
  const passed = results.every((r) => r.passed);
  const report = {
    experiment: p.experiment,
    passed,
    checks: results.map((r) => ({ backend_key: r.key, reference: r.reference, passed: r.passed, experiment_changes: r.experimentChanges, verdicts: [...r.verdicts], environment_differences: [...r.environment] })),
  };
  const md = markdownSummary({ experiment: p.experiment, passed, checks: results });
  const dated = join(p.outdir, "history", ctx.clock.now().toISOString().slice(0, 19).replace(/:/g, "-"));
  for (const dir of [p.outdir, dated]) {
    ctx.artifacts.writeJson(reproReportJson, join(dir, "repro_report.json"), report, [p.experiment, ...results.map((r) => r.reference)]);
    ctx.artifacts.writeFile(join(dir, "repro_report.md"), md);
  }
  return passed;
}

/** One log line per seed, then what changed in the experiment and the environment. */
function logResults(results: readonly BackendCheck[], p: Params, ctx: TaskContext): void {
  for (const r of results) {
    for (const v of r.verdicts) {
      const m = v.first_divergent_metric;
      const line = `${r.key} seed ${v.seed}: ${v.verdict}${m ? ` — first divergence ${m.name}${v.first_divergent_epoch ? ` at epoch ${v.first_divergent_epoch}` : ""}: ${m.reference} → ${m.current}` : ""}`;
      (v.verdict === "identical" || v.verdict === "within tolerance" ? ctx.log.info : ctx.log.error)(line);
    }
    if (r.experimentChanges) ctx.log.warn(`${r.key}: ${p.experiment} changed since the reference was made: ${r.experimentChanges}`);
    for (const d of r.environment) ctx.log.warn(`${r.key}: environment differs: ${d.key}: ${JSON.stringify(d.reference)} → ${JSON.stringify(d.current)}`);
  }
}

export default defineTask({
  name: "repro",
  description: "Nightly reproducibility check: re-run a reference experiment from scratch on every available backend and compare it with its stored fingerprints",
  params,
  examples: ["bun run task repro", "bun run task repro --backend native", 'bun run task repro --update-reference --reason "tfjs 4.22 → 4.23"'],
  uses: ["pipeline"],
  async run(p, ctx) {
    const checks = plannedChecks(p);
    const text = readFileSync(p.experiment, "utf8");
    const experiment: ExperimentFile = { text, json: JSON.parse(text) };
    const runs: { check: Check; now: Awaited<ReturnType<typeof runOn>> }[] = [];
    for (const check of checks) runs.push({ check, now: await runOn(check, p, ctx) });
    // Every backend runs before any reference is written, so each run's provenance sees the clean
    // tree (a reference written after the first backend would make the next one's tree dirty).
    if (p.updateReference) for (const { check, now } of runs) storeReference(check, now, experiment, p, ctx);
    const results = runs.map(({ check, now }) => compareWithReference(check, now, experiment, p, ctx));
    const passed = writeReports(results, p, ctx);
    logResults(results, p, ctx);
    if (!passed) {
      const failed = results.flatMap((r) => r.verdicts.filter((v) => v.verdict === "drift" || v.verdict === "missing").map((v) => `${r.key} seed ${v.seed} ${v.verdict}`));
      const changed = results.find((r) => r.experimentChanges)?.experimentChanges;
      throw new TaskError("drift", `reproducibility check failed: ${failed.join(", ")}${changed ? ` (the experiment changed: ${changed})` : ""} (see ${join(p.outdir, "repro_report.md")})`);
    }
    return { path: join(p.outdir, "repro_report.json"), passed };
  },
});
