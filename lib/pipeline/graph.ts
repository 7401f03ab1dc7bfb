import { join } from "node:path";
import { deriveSeed } from "../rng/index.ts";
import type { Experiment } from "./experiment.ts";

/** One task run of the experiment graph. */
export interface PipelineNode {
  /** Stable id, e.g. `train/seed-42`; also names its cache record and log file. */
  id: string;
  task: string;
  /** Params as the task receives them (paths included). */
  params: Record<string, unknown>;
  /** Ids of the nodes whose outputs this one reads. */
  deps: string[];
  /** Files this node writes whose SHA-256 identifies its result (checked on a cache hit). */
  outputs: string[];
  /**
   * When set and `marker` exists after an interrupted run of the same cache key, the node is
   * re-run with `params[param] = true` (training resumes from its checkpoint).
   */
  resume?: { param: string; marker: string };
  /**
   * Directory the node fills over time (a run dir, a CV dir). Emptied before a fresh run, so a
   * run with other inputs never resumes from, or reuses folds of, an older one.
   */
  workDir?: string;
}

/** Builds the graph: data → split × seeds → train × seeds, cv → aggregate → report. */
export function buildGraph(exp: Experiment): PipelineNode[] {
  const out = exp.outdir ?? join("outputs", "experiments", exp.name);
  const nodes: PipelineNode[] = [];
  let csv: string;
  let dicomRoot: string;
  const dataDeps: string[] = [];
  const { synth, includeClass5, views, format } = exp.dataset;
  if (synth) {
    const dir = join(out, "data");
    csv = join(dir, "classificacao.csv");
    dicomRoot = join(dir, "archive");
    nodes.push({ id: "synth", task: "synth", params: { ...synth, outdir: dir }, deps: [], outputs: [join(dir, "synth.json"), csv] });
    dataDeps.push("synth");
  } else {
    csv = exp.dataset.csv as string;
    dicomRoot = exp.dataset.dicomRoot as string;
  }
  // Each task gets only the reading options it takes (child tasks refuse unknown params).
  const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  const auditOptions = defined({ includeClass5, format });
  const data = defined({ csv, dicomRoot, includeClass5, views });
  const splitData = { ...data, ...defined({ format }) };
  const auditDir = join(out, "audit");
  nodes.push({
    id: "audit",
    task: "audit",
    params: { ...auditOptions, csv, dicomRoot, outdir: auditDir },
    deps: [...dataDeps],
    outputs: [join(auditDir, "data_manifest.json"), join(auditDir, "data_audit.csv")],
  });
  const runDirs: string[] = [];
  for (const seed of exp.seeds) {
    const splitDir = join(out, "splits", `seed_${seed}`);
    nodes.push({ id: `split/seed-${seed}`, task: "split", params: { ...splitData, ...exp.split, seed, outdir: splitDir }, deps: ["audit"], outputs: [join(splitDir, "split.json")] });
    const runDir = join(out, "runs", `seed_${seed}`, "results");
    runDirs.push(runDir);
    nodes.push({
      id: `train/seed-${seed}`,
      task: "train",
      params: { ...data, ...exp.train, seed, split: join(splitDir, "split.json"), runDir },
      deps: [`split/seed-${seed}`],
      outputs: trainOutputs(runDir),
      resume: { param: "resume", marker: join(runDir, "checkpoint", "last.ckpt") },
      workDir: runDir,
    });
  }
  const aggDir = join(out, "aggregate");
  nodes.push({ id: "aggregate", task: "aggregate", params: { ...exp.aggregate, run: runDirs, outdir: aggDir }, deps: exp.seeds.map((s) => `train/seed-${s}`), outputs: [join(aggDir, "aggregate.json"), join(aggDir, "aggregate.csv")] });
  let cvDir: string | undefined;
  if (exp.cv) {
    const seed = exp.cv.seed ?? (exp.seeds[0] as number);
    const splitDir = join(out, "splits", `cv_${exp.cv.folds}_seed_${seed}`);
    const split = join(splitDir, "split.json");
    nodes.push({ id: "split/cv", task: "split", params: { ...splitData, ...exp.split, seed, folds: exp.cv.folds, outdir: splitDir }, deps: ["audit"], outputs: [split] });
    cvDir = join(out, "cv");
    // One node per fold, so folds train in parallel; each is exactly the run the cv task would
    // make (seed stream fold/k, run dir fold_k/results), which the cv node then finds done.
    const folds: string[] = [];
    for (let k = 1; k <= exp.cv.folds; k++) {
      const runDir = join(cvDir, `fold_${k}`, "results");
      folds.push(`cv/fold-${k}`);
      nodes.push({
        id: `cv/fold-${k}`,
        task: "train",
        params: { ...data, ...exp.train, seed: deriveSeed(seed, `fold/${k}`), split, fold: k, runDir },
        deps: ["split/cv"],
        outputs: trainOutputs(runDir),
        resume: { param: "resume", marker: join(runDir, "checkpoint", "last.ckpt") },
        workDir: runDir,
      });
    }
    nodes.push({
      id: "cv",
      task: "cv",
      params: { ...data, ...exp.train, seed, split, cvFolds: exp.cv.folds, cvOutdir: cvDir },
      deps: folds,
      outputs: [join(cvDir, "cv_summary.json")],
    });
  }
  let hpoDir: string | undefined;
  if (exp.hpo) {
    hpoDir = join(out, "hpo");
    nodes.push({ id: "hpo", task: "hpo", params: { ...data, ...exp.hpo, outdir: hpoDir }, deps: ["audit"], outputs: [join(hpoDir, "hpo_summary.json")], workDir: hpoDir });
  }
  if (exp.report) {
    const assetsDir = (exp.report.assetsDir as string | undefined) ?? join(out, "Article", "assets");
    nodes.push({
      id: "report",
      task: "report",
      params: { ...exp.report, run: runDirs, aggregate: join(aggDir, "aggregate.json"), ...(cvDir ? { cv: cvDir } : {}), ...(hpoDir ? { hpo: hpoDir } : {}), assetsDir },
      deps: ["aggregate", ...(cvDir ? ["cv"] : []), ...(hpoDir ? ["hpo"] : [])],
      outputs: [join(assetsDir, "report.html")],
    });
  }
  return nodes;
}

function trainOutputs(runDir: string): string[] {
  return ["summary.json", "metrics/val_metrics.json", "val_predictions.csv", "train_history.csv", "best_model/weights.bin"].map((f) => join(runDir, f));
}
