import { existsSync, readFileSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { z } from "zod";
import { sha256 } from "../lib/artifacts/index.ts";
import { TaskError, usageError } from "../lib/errors/index.ts";
import { buildGraph, readExperiment } from "../lib/pipeline/index.ts";
import { compareSeed, DEFAULT_TOLERANCE, environmentDiff, fingerprintRun, markdownSummary, referenceSchema, type Reference, type SeedFingerprint } from "../lib/repro/index.ts";
import { defineTask } from "../lib/task/index.ts";

export default defineTask({
  name: "repro",
  description: "Nightly reproducibility check: re-run a reference experiment from scratch and compare it with its stored fingerprints",
  params: z.object({
    experiment: z.string().default("experiments/nightly.json").describe("the reference experiment file"),
    references: z.string().default("references").describe("folder of stored references (<backend>/<experiment>.json)"),
    outdir: z.string().default("outputs/repro").describe("where the fresh run, repro_report.json and repro_report.md go (the run is redone from scratch)"),
    updateReference: z.boolean().default(false).describe("re-baseline: store this run as the new reference (needs --reason)"),
    reason: z.string().optional().describe("why the reference is being updated (recorded in it)"),
    jobs: z.number().int().positive().default(1).describe("pipeline nodes run at the same time"),
  }),
  examples: ["bun run task repro", 'bun run task repro --update-reference --reason "tfjs 4.22 → 4.23"'],
  async run(params, ctx) {
    if (params.updateReference && !params.reason?.trim()) throw usageError("missing_reason", "--update-reference needs --reason \"why the reference changes\"");
    const experimentText = readFileSync(params.experiment, "utf8");
    const work = join(params.outdir, "work");
    // A nightly check must recompute everything: no cache from an earlier night.
    rmSync(work, { recursive: true, force: true });
    ctx.log.info(`repro: running ${params.experiment} from scratch in ${work}`);
    const outdir = `outdir=${JSON.stringify(work)}`;
    await ctx.runTask("pipeline", { experiment: params.experiment, set: [outdir, "report=null"], jobs: params.jobs });
    const experiment = readExperiment(params.experiment, [outdir]);
    const runDirs = buildGraph(experiment)
      .filter((n) => n.task === "train")
      .map((n) => n.params.runDir as string);
    const runs = runDirs.map((d) => fingerprintRun(d));
    const backend = runs[0]?.backend ?? "unknown";
    const now: Record<string, SeedFingerprint> = Object.fromEntries(runs.map((r) => [String(r.seed), r.fingerprint]));
    const environment = runs[0]?.environment ?? {};
    const refPath = join(params.references, backend, `${basename(params.experiment, ".json")}.json`);

    if (params.updateReference) {
      const previous = existsSync(refPath) ? ctx.artifacts.readJson(refPath, referenceSchema, "reference") : undefined;
      const reference: Reference = {
        experiment: params.experiment,
        experiment_sha256: sha256(experimentText),
        backend,
        updated_at: ctx.clock.now().toISOString(),
        reason: params.reason as string,
        environment,
        tolerance: previous?.tolerance ?? DEFAULT_TOLERANCE,
        seeds: now,
      };
      ctx.artifacts.writeFile(refPath, `${JSON.stringify(reference, null, 2)}\n`);
      ctx.log.info(`reference updated: ${refPath} (${params.reason})`);
    }
    if (!existsSync(refPath)) {
      throw new TaskError("no_reference", `no reference for backend ${backend}: ${refPath} (make one with --update-reference --reason "first baseline")`, { exitCode: 2 });
    }
    const reference = ctx.artifacts.readJson(refPath, referenceSchema, "reference");
    const seeds = [...new Set([...Object.keys(reference.seeds), ...Object.keys(now)])].sort();
    const verdicts = seeds.map((s) => compareSeed(s, reference.seeds[s], now[s], reference.tolerance));
    const envDiff = environmentDiff(reference.environment, environment);
    const experimentChanged = reference.experiment_sha256 !== sha256(experimentText);
    const passed = verdicts.every((v) => v.verdict === "identical" || v.verdict === "within tolerance");
    const report = { experiment: params.experiment, experiment_changed_since_reference: experimentChanged, reference: refPath, backend, passed, verdicts, environment_differences: envDiff };
    ctx.artifacts.writeJson(join(params.outdir, "repro_report.json"), report, [params.experiment, refPath]);
    const md = markdownSummary({ experiment: params.experiment, backend, passed, verdicts, environment: envDiff, reference: refPath });
    ctx.artifacts.writeFile(join(params.outdir, "repro_report.md"), md);
    for (const v of verdicts) {
      const m = v.first_divergent_metric;
      const line = `seed ${v.seed}: ${v.verdict}${m ? ` — first divergence ${m.name}${v.first_divergent_epoch ? ` at epoch ${v.first_divergent_epoch}` : ""}: ${m.reference} → ${m.current}` : ""}`;
      (v.verdict === "identical" || v.verdict === "within tolerance" ? ctx.log.info : ctx.log.error)(line);
    }
    if (experimentChanged) ctx.log.warn(`${params.experiment} changed since the reference was made`);
    for (const d of envDiff) ctx.log.warn(`environment differs: ${d.key}: ${JSON.stringify(d.reference)} → ${JSON.stringify(d.current)}`);
    if (!passed) throw new TaskError("drift", `reproducibility check failed: ${verdicts.filter((v) => v.verdict === "drift" || v.verdict === "missing").map((v) => `seed ${v.seed} ${v.verdict}`).join(", ")} (see ${join(params.outdir, "repro_report.md")})`);
    return { path: join(params.outdir, "repro_report.json"), passed };
  },
});
