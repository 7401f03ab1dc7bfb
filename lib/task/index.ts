export { defineTask } from "./define.ts";
export type { TaskDefinition, TaskResult } from "./define.ts";
export { artifactStore, createContext, systemClock } from "./context.ts";
export type { TaskContext, ArtifactInputs, ArtifactStore, Clock, ContextOptions } from "./context.ts";
export { runTask, loadTask, taskNames, aliases, resolveTaskName, validateParams } from "./registry.ts";
export { quietContext } from "./quiet.ts";
export { watchMathRandom } from "./random-guard.ts";
export type { RandomWatch } from "./random-guard.ts";
export { toFlag, toKey } from "./flags.ts";
