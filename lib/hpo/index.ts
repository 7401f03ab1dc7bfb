export { searchSpaceSchema, readSearchSpace, paramDistribution, snap } from "./space.ts";
export type { SearchSpace, ParamDistribution } from "./space.ts";
export { randomSample, tpeSample, sampleOne, DEFAULT_TPE } from "./samplers.ts";
export type { TrialParams, ParamValue, Observation, TpeOptions } from "./samplers.ts";
export { Study } from "./study.ts";
export type { StudyConfig, TrialRecord, TrialState } from "./study.ts";
export { shouldPrune, median, DEFAULT_PRUNER } from "./pruner.ts";
export type { MedianPrunerOptions } from "./pruner.ts";
