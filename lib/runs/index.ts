export { markRun, runState, runStatusSchema, RUN_STATUS_FILE } from "./status.ts";
export type { RunState, RunStatus } from "./status.ts";
export { finishedRuns } from "./select.ts";
