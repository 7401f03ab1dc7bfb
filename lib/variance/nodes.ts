import { join } from "node:path";
import type { GraphNode } from "../pipeline/graph.ts";
import { SEED_SOURCES, sourceParam, type SourceSeeds } from "../rng/index.ts";
import { planStudy, type Study } from "./design.ts";

/** What the experiment graph hands the study: where things go and the params every run shares. */
export interface StudyGraph {
  /** The experiment's output directory (runs go to `<out>/variance/runs/<key>/results`). */
  out: string;
  /** Where variance.json goes. */
  outdir: string;
  /** The split of a seed: node `split/seed-<s>` (null when the experiment graph has it already, so splits are shared) and its split.json. */
  splitNode(seed: number): { node: GraphNode | null; file: string };
  /** Data params of a training run (csv, dicomRoot, reading options). */
  data: Record<string, unknown>;
  /** The experiment's train params. */
  train: Record<string, unknown>;
}

/** A run's seed params: `--seed v` when every source follows one seed, else the base seed and an override per other source (the split comes from its split.json). */
function seedParams(seeds: SourceSeeds, base: number): Record<string, number> {
  const values = new Set(SEED_SOURCES.map((s) => seeds[s]));
  if (values.size === 1) return { seed: seeds.split };
  const out: Record<string, number> = { seed: base };
  for (const s of SEED_SOURCES) if (s !== "split" && seeds[s] !== base) out[sourceParam(s)] = seeds[s];
  return out;
}

/**
 * The study's pipeline nodes: a split per split seed (shared with the experiment's own), one
 * ordinary training node per planned run (cached, resumable, run in parallel with `--jobs`), and
 * the `variance` node that analyses them into `<outdir>/variance.json`.
 */
export function studyNodes(study: Study, graph: StudyGraph): GraphNode[] {
  const nodes: GraphNode[] = [];
  const splits = new Map<number, string>();
  const train = Object.fromEntries(Object.entries(graph.train).filter(([k]) => k !== "seed" && !SEED_SOURCES.some((s) => k === sourceParam(s))));
  const trainIds: string[] = [];
  const runDirs: string[] = [];
  for (const run of planStudy(study)) {
    let splitFile = splits.get(run.seeds.split);
    if (splitFile === undefined) {
      const { node, file } = graph.splitNode(run.seeds.split);
      if (node) nodes.push(node);
      splits.set(run.seeds.split, (splitFile = file));
    }
    const runDir = join(graph.out, "variance", "runs", run.key, "results");
    const id = `variance/${run.key}`;
    nodes.push({
      id,
      task: "train",
      params: { ...graph.data, ...train, ...seedParams(run.seeds, study.baseSeed), split: splitFile, runDir },
      deps: [`split/seed-${run.seeds.split}`],
      resume: { param: "resume", marker: join(runDir, "checkpoint", "last.ckpt") },
      workDir: runDir,
    });
    trainIds.push(id);
    runDirs.push(runDir);
  }
  nodes.push({
    id: "variance",
    task: "variance",
    params: {
      run: runDirs,
      design: study.design,
      n: study.n,
      ...(study.m === null ? {} : { m: study.m }),
      ...(study.design === "one-at-a-time" || study.design === "crossed" ? { sources: study.sources.join(",") } : {}),
      baseSeed: study.baseSeed,
      bootstrap: study.bootstrap,
      outdir: graph.outdir,
    },
    deps: trainIds,
  });
  return nodes;
}
