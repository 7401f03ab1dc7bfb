import { createContext, type Clock, type TaskContext } from "./context.ts";
import { runTask } from "./registry.ts";

/** A context that prints nothing and shows no progress: for tests and for library callers. */
export function quietContext(task = "test", params: Record<string, unknown> = {}, clock?: Clock): TaskContext {
  return createContext(task, params, { quiet: true, ...(clock ? { clock } : {}) }, (name, p, parent) => runTask(name, p, { ...parent, quiet: true }));
}
