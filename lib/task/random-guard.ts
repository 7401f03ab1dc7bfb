import { join, sep } from "node:path";

/** What `watchMathRandom` saw. */
export interface RandomWatch {
  /** Number of Math.random calls made by the project's code (directly or through a library) since the watch started. */
  readonly calls: number;
  /** Stack of the first such call, to find the culprit. */
  readonly firstStack: string | undefined;
  /** `file:line:column` of the first such call's caller (the frame that called Math.random). */
  readonly firstCaller: string | undefined;
  restore(): void;
}

const PROJECT = join(import.meta.dir, "..", "..");
const FRAME = /\(?((?:\/|[A-Za-z]:\\)[^():]+):(\d+):(\d+)\)?\s*$/;

/** The file:line:column of each stack frame that names one, innermost first. */
function frames(stack: string): { file: string; at: string }[] {
  return stack
    .split("\n")
    .slice(1)
    .flatMap((line) => {
      const m = FRAME.exec(line);
      return m ? [{ file: m[1] as string, at: `${m[1]}:${m[2]}:${m[3]}` }] : [];
    });
}

const isProjectFile = (file: string) => file.startsWith(PROJECT + sep) && !file.includes(`${sep}node_modules${sep}`);

/**
 * Counts Math.random calls until `restore()`. Every random choice must come from lib/rng; a call
 * to Math.random means some consumer is unseeded and the run is not reproducible. With `forbid`,
 * the first call throws instead (used by tests).
 *
 * Only calls with the project's own code on the stack count. Libraries that bundle seedrandom
 * (tfjs-core, -layers, -converter, -data, seedrandom itself) mix one Math.random value into an
 * entropy pool when their module is first evaluated; a task that loads tfjs lazily would report
 * those as if the run drew them, yet nothing seeded ever reads that pool. A call made on behalf of
 * the project's code (an unseeded `tf.randomNormal`, a `Math.random()` in lib/) has a project frame.
 */
export function watchMathRandom(options: { forbid?: boolean } = {}): RandomWatch {
  const original = Math.random;
  const state = { calls: 0, firstStack: undefined as string | undefined, firstCaller: undefined as string | undefined };
  Math.random = () => {
    // The project's frame may sit deep below a library's (the default limit keeps 10 frames).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 200;
    const stack = new Error("Math.random called").stack ?? "";
    Error.stackTraceLimit = limit;
    const all = frames(stack).filter((f) => f.file !== import.meta.path);
    if (all.some((f) => isProjectFile(f.file))) {
      state.calls++;
      state.firstStack ??= stack;
      state.firstCaller ??= all[0]?.at;
      if (options.forbid) throw new Error(`Math.random called during a task run (by ${all[0]?.at ?? "unknown"}): use lib/rng streams instead`);
    }
    return original();
  };
  return {
    get calls() {
      return state.calls;
    },
    get firstStack() {
      return state.firstStack;
    },
    get firstCaller() {
      return state.firstCaller;
    },
    restore() {
      Math.random = original;
    },
  };
}
