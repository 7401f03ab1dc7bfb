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
  const g = dataNodes(exp, exp.outdir ?? join("outputs", "experiments", exp.name));
  const runDirs = seedNodes(g);
  const aggregates = aggregateNodes(g, runDirs);
  const cvDir = cvNodes(g);
  const hpoDir = hpoNode(g);
  const planPath = planNode(g, aggregates.aggDir);
  const variancePath = varianceNodes(g);
  reportNode(g, { runDirs, ...aggregates, cvDir, hpoDir, planPath, variancePath });
  return g.nodes;
}

/** What the steps of `buildGraph` share: the experiment, its output root, the data params, the nodes so far. */
interface GraphBuild {
  exp: Experiment;
  out: string;
  nodes: GraphNode[];
  /** The reading options every data task takes (csv, dicomRoot, includeClass5, views, labelCoding). */
  data: Record<string, unknown>;
  /** `data` plus what split also takes (format, cacheDir). */
  splitData: Record<string, unknown>;
}

// Each task gets only the reading options it takes (child tasks refuse unknown params).
const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** The data (a synthetic cohort's `synth` node, or the archive's paths) and its `audit` node. */
function dataNodes(exp: Experiment, out: string): GraphBuild {
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
  const data = defined({ csv, dicomRoot, includeClass5, views, labelCoding });
  // The audit decodes every file into training's cache, at training's size and window, so the
  // trainings only read entries; split shares the cache's decode verdicts.
  const cacheDir = exp.train.cacheDir;
  const auditOptions = defined({ includeClass5, format, labelCoding, cacheDir, imgSize: exp.train.imgSize, window: exp.train.window });
  nodes.push({ id: "audit", task: "audit", params: { ...auditOptions, csv, dicomRoot, outdir: join(out, "audit") }, deps: [...dataDeps] });
  return { exp, out, nodes, data, splitData: { ...data, ...defined({ format, cacheDir }) } };
}

/** The hold-out split of one seed. */
function holdoutSplit(g: GraphBuild, seed: number): GraphNode {
  const splitDir = join(g.out, "splits", `seed_${seed}`);
  return { id: `split/seed-${seed}`, task: "split", params: { ...g.splitData, ...g.exp.split, seed, outdir: splitDir }, deps: ["audit"] };
}

/** A training node that resumes from its checkpoint and owns its run directory. */
function trainNode(id: string, params: Record<string, unknown> & { runDir: string }, deps: string[]): GraphNode {
  return { id, task: "train", params, deps, resume: { param: "resume", marker: join(params.runDir, "checkpoint", "last.ckpt") }, workDir: params.runDir };
}

/** split and train per seed; returns the run directories. */
function seedNodes(g: GraphBuild): string[] {
  const runDirs: string[] = [];
  for (const seed of g.exp.seeds) {
    const split = holdoutSplit(g, seed);
    g.nodes.push(split);
    const runDir = join(g.out, "runs", `seed_${seed}`, "results");
    runDirs.push(runDir);
    g.nodes.push(trainNode(`train/seed-${seed}`, { ...g.data, ...g.exp.train, seed, split: join(split.params.outdir as string, "split.json"), runDir }, [split.id]));
  }
  return runDirs;
}

/**
 * The aggregate over seeds; with a held-out test part (split.testFrac > 0) every run is also
 * evaluated on it once, and its aggregate is the article's unbiased estimate, beside the validation one.
 */
function aggregateNodes(g: GraphBuild, runDirs: string[]): { aggDir: string; testAggDir?: string } {
  const aggDir = join(g.out, "aggregate");
  const trainIds = g.exp.seeds.map((s) => `train/seed-${s}`);
  g.nodes.push({ id: "aggregate", task: "aggregate", params: { ...g.exp.aggregate, run: runDirs, outdir: aggDir }, deps: trainIds });
  if (!(Number(g.exp.split.testFrac ?? 0) > 0)) return { aggDir };
  const testAggDir = join(g.out, "aggregate_test");
  g.nodes.push({ id: "aggregate/test", task: "aggregate", params: { ...g.exp.aggregate, run: runDirs, part: "test", outdir: testAggDir }, deps: trainIds });
  return { aggDir, testAggDir };
}

/**
 * k-fold CV: its split, one node per fold, so folds train in parallel (each exactly the run the
 * cv task would make: seed stream fold/k, run dir fold_k/results), and the cv node that then
 * finds them done. Returns the cv directory.
 */
function cvNodes(g: GraphBuild): string | undefined {
  const { exp, out } = g;
  if (!exp.cv) return undefined;
  const seed = exp.cv.seed ?? (exp.seeds[0] as number);
  const splitDir = join(out, "splits", `cv_${exp.cv.folds}_seed_${seed}`);
  const split = join(splitDir, "split.json");
  g.nodes.push({ id: "split/cv", task: "split", params: { ...g.splitData, ...exp.split, seed, folds: exp.cv.folds, outdir: splitDir }, deps: ["audit"] });
  const cvDir = join(out, "cv");
  const folds: string[] = [];
  for (let k = 1; k <= exp.cv.folds; k++) {
    const runDir = join(cvDir, `fold_${k}`, "results");
    folds.push(`cv/fold-${k}`);
    g.nodes.push(trainNode(`cv/fold-${k}`, { ...g.data, ...exp.train, seed: deriveSeed(seed, `fold/${k}`), split, fold: k, runDir }, ["split/cv"]));
  }
  g.nodes.push({ id: "cv", task: "cv", params: { ...g.data, ...exp.train, seed, split, cvFolds: exp.cv.folds, cvOutdir: cvDir }, deps: folds });
  return cvDir;
}

function hpoNode(g: GraphBuild): string | undefined {
  if (!g.exp.hpo) return undefined;
  const hpoDir = join(g.out, "hpo");
  g.nodes.push({ id: "hpo", task: "hpo", params: { ...g.data, ...g.exp.hpo, outdir: hpoDir }, deps: ["audit"], workDir: hpoDir });
  return hpoDir;
}

/** The seed plan from the aggregate; returns its plan.json. */
function planNode(g: GraphBuild, aggDir: string): string | undefined {
  if (!g.exp.plan) return undefined;
  const planDir = join(g.out, "plan");
  g.nodes.push({ id: "plan-seeds", task: "plan-seeds", params: { ...g.exp.plan, aggregate: join(aggDir, "aggregate.json"), outdir: planDir }, deps: ["aggregate"] });
  return join(planDir, "plan.json");
}

/** A variance study: its runs are ordinary train nodes, analysed by one `variance` node. Returns its variance.json. */
function varianceNodes(g: GraphBuild): string | undefined {
  const { exp, out } = g;
  if (!exp.variance) return undefined;
  const study = resolveStudy(exp.variance, exp.seeds[0] as number);
  const outdir = exp.variance.outdir ?? join(out, "variance", study.design);
  const ids = new Set(g.nodes.map((n) => n.id));
  const splitNode = (seed: number) => {
    const node = holdoutSplit(g, seed);
    return { node: ids.has(node.id) ? null : node, file: join(node.params.outdir as string, "split.json") };
  };
  g.nodes.push(...studyNodes(study, { out, outdir, splitNode, data: g.data, train: exp.train }));
  return join(outdir, "variance.json");
}

/** The report, reading every result the graph makes. */
function reportNode(g: GraphBuild, inputs: { runDirs: string[]; aggDir: string; testAggDir?: string; cvDir?: string; hpoDir?: string; planPath?: string; variancePath?: string }): void {
  if (!g.exp.report) return;
  const { runDirs, aggDir, testAggDir, cvDir, hpoDir, planPath, variancePath } = inputs;
  const assetsDir = (g.exp.report.assetsDir as string | undefined) ?? join(g.out, "Article", "assets");
  g.nodes.push({
    id: "report",
    task: "report",
    params: {
      ...g.exp.report,
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
