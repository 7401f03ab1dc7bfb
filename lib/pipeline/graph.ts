import { join } from "node:path";
import { errorMessage, usageError } from "../errors/index.ts";
import { deriveSeed } from "../rng/index.ts";
import { loadTask, validateParams } from "../task/index.ts";
import { resolveStudy } from "../variance/design.ts";
import { studyNodes } from "../variance/nodes.ts";
import type { Experiment } from "./experiment.ts";

/** One task run of the experiment graph, as the experiment file describes it. */
export interface GraphNode {
  /** Stable id, e.g. `train/seed-42`; also names its cache record and log file. */
  id: string;
  task: string;
  /** Params as the task receives them (paths included). */
  params: Record<string, unknown>;
  /** Ids of the nodes whose outputs this one reads. */
  deps: string[];
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

/** A node with what its task definition says about it (see `resolveNodes`). */
export interface PipelineNode extends GraphNode {
  /** Files this node writes whose SHA-256 identifies its result (checked on a cache hit): the task's `outputs(params)`. */
  outputs: string[];
  /**
   * Task files whose code is this node's code: its own and those of the tasks it starts (the
   * task's `uses`, transitively). Default: `tasks/<task>.ts` alone.
   */
  codeFiles?: string[];
}

/**
 * Builds the graph: data → split × seeds → train × seeds, cv, variance study → aggregate (validation,
 * and test where the split holds a test part) → report. What each node writes and which code it
 * runs come from its task's definition: see `resolveNodes`.
 */
export function buildGraph(exp: Experiment): GraphNode[] {
  const out = exp.outdir ?? join("outputs", "experiments", exp.name);
  const nodes: GraphNode[] = [];
  let csv: string;
  let dicomRoot: string;
  const dataDeps: string[] = [];
  const { synth, includeClass5, views, format, labelCoding } = exp.dataset;
  if (synth) {
    const dir = join(out, "data");
    csv = join(dir, "classificacao.csv");
    dicomRoot = join(dir, "archive");
    nodes.push({ id: "synth", task: "synth", params: { ...synth, outdir: dir }, deps: [] });
    dataDeps.push("synth");
  } else {
    csv = exp.dataset.csv as string;
    dicomRoot = exp.dataset.dicomRoot as string;
  }
  // Each task gets only the reading options it takes (child tasks refuse unknown params).
  const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  const data = defined({ csv, dicomRoot, includeClass5, views, labelCoding });
  // The audit decodes every file into training's cache, at training's size and window, so the
  // trainings only read entries; split shares the cache's decode verdicts.
  const cacheDir = exp.train.cacheDir;
  const auditOptions = defined({ includeClass5, format, labelCoding, cacheDir, imgSize: exp.train.imgSize, window: exp.train.window });
  const splitData = { ...data, ...defined({ format, cacheDir }) };
  const auditDir = join(out, "audit");
  nodes.push({
    id: "audit",
    task: "audit",
    params: { ...auditOptions, csv, dicomRoot, outdir: auditDir },
    deps: [...dataDeps],
  });
  const runDirs: string[] = [];
  const holdoutSplit = (seed: number): GraphNode => {
    const splitDir = join(out, "splits", `seed_${seed}`);
    return { id: `split/seed-${seed}`, task: "split", params: { ...splitData, ...exp.split, seed, outdir: splitDir }, deps: ["audit"] };
  };
  for (const seed of exp.seeds) {
    const splitDir = join(out, "splits", `seed_${seed}`);
    nodes.push(holdoutSplit(seed));
    const runDir = join(out, "runs", `seed_${seed}`, "results");
    runDirs.push(runDir);
    nodes.push({
      id: `train/seed-${seed}`,
      task: "train",
      params: { ...data, ...exp.train, seed, split: join(splitDir, "split.json"), runDir },
      deps: [`split/seed-${seed}`],
      resume: { param: "resume", marker: join(runDir, "checkpoint", "last.ckpt") },
      workDir: runDir,
    });
  }
  const aggDir = join(out, "aggregate");
  const trainIds = exp.seeds.map((s) => `train/seed-${s}`);
  nodes.push({ id: "aggregate", task: "aggregate", params: { ...exp.aggregate, run: runDirs, outdir: aggDir }, deps: trainIds });
  // With a held-out test part (split.testFrac > 0) every run is also evaluated on it once; its
  // aggregate is the article's unbiased estimate, beside the validation one.
  let testAggDir: string | undefined;
  if (Number(exp.split.testFrac ?? 0) > 0) {
    testAggDir = join(out, "aggregate_test");
    nodes.push({ id: "aggregate/test", task: "aggregate", params: { ...exp.aggregate, run: runDirs, part: "test", outdir: testAggDir }, deps: trainIds });
  }
  let cvDir: string | undefined;
  if (exp.cv) {
    const seed = exp.cv.seed ?? (exp.seeds[0] as number);
    const splitDir = join(out, "splits", `cv_${exp.cv.folds}_seed_${seed}`);
    const split = join(splitDir, "split.json");
    nodes.push({ id: "split/cv", task: "split", params: { ...splitData, ...exp.split, seed, folds: exp.cv.folds, outdir: splitDir }, deps: ["audit"] });
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
          resume: { param: "resume", marker: join(runDir, "checkpoint", "last.ckpt") },
        workDir: runDir,
      });
    }
    nodes.push({
      id: "cv",
      task: "cv",
      params: { ...data, ...exp.train, seed, split, cvFolds: exp.cv.folds, cvOutdir: cvDir },
      deps: folds,
    });
  }
  let hpoDir: string | undefined;
  if (exp.hpo) {
    hpoDir = join(out, "hpo");
    nodes.push({ id: "hpo", task: "hpo", params: { ...data, ...exp.hpo, outdir: hpoDir }, deps: ["audit"], workDir: hpoDir });
  }
  let planPath: string | undefined;
  if (exp.plan) {
    const planDir = join(out, "plan");
    planPath = join(planDir, "plan.json");
    nodes.push({ id: "plan-seeds", task: "plan-seeds", params: { ...exp.plan, aggregate: join(aggDir, "aggregate.json"), outdir: planDir }, deps: ["aggregate"] });
  }
  let variancePath: string | undefined;
  if (exp.variance) {
    // A variance study: its runs are ordinary train nodes, analysed by one `variance` node.
    const study = resolveStudy(exp.variance, exp.seeds[0] as number);
    const outdir = exp.variance.outdir ?? join(out, "variance", study.design);
    const ids = new Set(nodes.map((n) => n.id));
    const splitNode = (seed: number) => {
      const node = holdoutSplit(seed);
      return { node: ids.has(node.id) ? null : node, file: join(node.params.outdir as string, "split.json") };
    };
    nodes.push(...studyNodes(study, { out, outdir, splitNode, data, train: exp.train }));
    variancePath = join(outdir, "variance.json");
  }
  if (exp.report) {
    const assetsDir = (exp.report.assetsDir as string | undefined) ?? join(out, "Article", "assets");
    nodes.push({
      id: "report",
      task: "report",
      params: {
        ...exp.report,
        run: runDirs,
        aggregate: join(aggDir, "aggregate.json"),
        ...(testAggDir ? { testAggregate: join(testAggDir, "aggregate.json") } : {}),
        ...(cvDir ? { cv: cvDir } : {}),
        ...(hpoDir ? { hpo: hpoDir } : {}),
        ...(variancePath ? { variance: variancePath } : {}),
        ...(planPath ? { plan: planPath } : {}),
        assetsDir,
      },
      deps: ["aggregate", ...(testAggDir ? ["aggregate/test"] : []), ...(cvDir ? ["cv"] : []), ...(hpoDir ? ["hpo"] : []), ...(variancePath ? ["variance"] : []), ...(planPath ? ["plan-seeds"] : [])],
    });
  }
  return nodes;
}


/**
 * Completes the nodes from their tasks' definitions: params validated as strictly as the CLI
 * does (an experiment file with a misspelt param fails here, before anything runs), the files
 * identifying each node's result (`outputs(params)`), and the task files whose code is the
 * node's (its own and, transitively, those of the tasks it `uses`).
 */
export async function resolveNodes(nodes: readonly GraphNode[], root: string): Promise<PipelineNode[]> {
  const codeFilesOf = async (task: string): Promise<string[]> => {
    const names = new Set<string>();
    const visit = async (name: string) => {
      const def = await loadTask(name);
      if (names.has(def.name)) return;
      names.add(def.name);
      for (const used of def.uses ?? []) await visit(used);
    };
    await visit(task);
    return [...names].sort().map((n) => join(root, "tasks", `${n}.ts`));
  };
  const out: PipelineNode[] = [];
  for (const node of nodes) {
    const def = await loadTask(node.task);
    let valid: Record<string, unknown>;
    try {
      valid = validateParams(def, node.params);
    } catch (err) {
      throw usageError("bad_experiment", `node ${node.id} (task ${def.name}): ${errorMessage(err)}`);
    }
    out.push({ ...node, outputs: def.outputs?.(valid as never) ?? [], codeFiles: await codeFilesOf(node.task) });
  }
  return out;
}
