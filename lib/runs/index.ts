export { markRun, runState, runStatusSchema, RUN_STATUS_FILE } from "./status.ts";
export type { RunState, RunStatus } from "./status.ts";
export { finishedRuns } from "./select.ts";
export { differingParams, findRunDirs, readRunRow, RUN_METRICS } from "./table.ts";
export type { RunRow } from "./table.ts";
export { diffRuns, filterRuns, runColumns, sortRuns } from "./query.ts";
export type { RunColumn } from "./query.ts";
