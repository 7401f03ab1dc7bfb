import { z } from "zod";
import { usageError } from "../errors/index.ts";
import { readJson } from "../artifacts/index.ts";
import { LABEL_CODINGS } from "../dataset/labels.ts";
import { studySchema } from "../variance/design.ts";
import { slurmSchema } from "./slurm/resources.ts";

const params = z.record(z.string(), z.unknown());

/**
 * An experiment file (`experiments/*.json`): the whole graph of one study, described once.
 * Param objects use the tasks' own param names (camelCase or kebab-case).
 */
export const experimentSchema = z
  .object({
    /** Short name, used in paths and logs. */
    name: z.string().regex(/^[\w.-]+$/, "letters, digits, _ . - only"),
    /** Where every node writes; default `outputs/experiments/<name>`. */
    outdir: z.string().optional(),
    /**
     * The data: a synthetic cohort (`synth`: params of the synth task) or an archive (`csv` +
     * `dicomRoot`), plus the reading options every data task shares.
     */
    dataset: z
      .object({
        synth: params.optional(),
        csv: z.string().optional(),
        dicomRoot: z.string().optional(),
        includeClass5: z.boolean().optional(),
        views: z.enum(["one", "all"]).optional(),
        format: z.enum(["auto", "classificacao", "paths", "cbis-ddsm", "vindr", "rsna"]).optional(),
        /** How a path-based CSV's numeric labels count (`--label-coding`); every data task gets it. */
        labelCoding: z.enum(LABEL_CODINGS).optional(),
      })
      .strict()
      .refine((d) => (d.synth !== undefined) !== (d.csv !== undefined && d.dicomRoot !== undefined), "give either synth or both csv and dicomRoot"),
    /** Params of the `split` task for each seed's hold-out split (seed filled in per run). */
    split: params.default({}),
    /** Params of the `train` task shared by every run (seed, split and run dir filled in). */
    train: params.default({}),
    seeds: z.array(z.number().int().nonnegative()).min(1).default([42, 43, 44]),
    /** k-fold cross-validation with the first seed; omit or null for none. */
    cv: z.object({ folds: z.number().int().min(2), seed: z.number().int().nonnegative().optional() }).nullable().default(null),
    /** Optional HPO study: params of the `hpo` task (space file, n-trials, …). */
    hpo: params.nullable().default(null),
    /**
     * Optional variance study (params of the `variance` task: design, n, m, sources, baseSeed,
     * bootstrap, outdir): its runs join the graph as train nodes; null for none.
     */
    variance: studySchema.nullable().default(null),
    /**
     * Optional seed plan from the aggregate (params of the `plan-seeds` task: metric, delta, alpha,
     * power); its plan.json goes to the report. Null for none.
     */
    plan: params.nullable().default(null),
    /** Params of the `aggregate` task (sigma, bootstrap, …). */
    aggregate: params.default({}),
    /** Params of the `report` task (assetsDir, tex, …); null for no report. */
    report: params.nullable().default({}),
    /**
     * Resources of the jobs under `--executor slurm` (partition, time, cpus, mem, gres, account,
     * qos, extra, signalSeconds), with overrides per task name under `tasks`; not part of any
     * cache key (where a node runs does not change what it computes). Null: Slurm's defaults.
     */
    slurm: slurmSchema.nullable().default(null),
  })
  .strict();
export type Experiment = z.infer<typeof experimentSchema>;

/** Reads an experiment file and applies `--set key.path=value` overrides (value parsed as JSON when it parses). */
export function readExperiment(path: string, overrides: readonly string[] = []): Experiment {
  const raw = readJson(path, z.record(z.string(), z.unknown()), "experiment file");
  for (const o of overrides) applyOverride(raw, o);
  const parsed = experimentSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw usageError("bad_experiment", `invalid experiment file ${path}: field ${issue?.path.join(".") || "(root)"}: ${issue?.message}`);
  }
  return parsed.data;
}

function applyOverride(target: Record<string, unknown>, override: string): void {
  const eq = override.indexOf("=");
  if (eq <= 0) throw usageError("bad_value", `invalid --set: ${override} (expected key.path=value)`);
  const keys = override.slice(0, eq).split(".");
  const text = override.slice(eq + 1);
  let value: unknown = text;
  try {
    value = JSON.parse(text);
  } catch {
    // a bare string
  }
  let node = target;
  for (const k of keys.slice(0, -1)) {
    const next = node[k];
    if (next === null || typeof next !== "object" || Array.isArray(next)) node[k] = {};
    node = node[k] as Record<string, unknown>;
  }
  node[keys[keys.length - 1] as string] = value;
}
