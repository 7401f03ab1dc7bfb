import type { TaskContext } from "../task/index.ts";

/** The logger and progress a loader uses; tasks pass their `ctx`. */
export type LoadContext = Pick<TaskContext, "log" | "progress">;

/** A logger that drops everything, for callers that pass no context. */
export const silentLog: LoadContext["log"] = { debug() {}, info() {}, warn() {}, error() {}, attachFile() {}, detachFile() {} };
