export { SlurmExecutor } from "./executor.ts";
export type { SlurmExecutorOptions } from "./executor.ts";
export { slurmSchema } from "./resources.ts";
export type { SlurmBlock } from "./resources.ts";
export { slurmTrialLauncher } from "./trial-launcher.ts";
