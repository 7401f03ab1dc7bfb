export { experimentSchema, readExperiment } from "./experiment.ts";
export type { Experiment } from "./experiment.ts";
export { buildGraph, resolveNodes } from "./graph.ts";
export type { GraphNode, PipelineNode } from "./graph.ts";
export { runGraph, childProcessExecutor } from "./runner.ts";
export type { NodeExecutor, NodeOutcome, RunOptions } from "./runner.ts";
export { cacheKey, keyComponents, explainChange, recordPath } from "./cache.ts";
export type { KeyComponents, CacheRecord } from "./cache.ts";
export { codeHash, sourceClosure } from "./code-hash.ts";
