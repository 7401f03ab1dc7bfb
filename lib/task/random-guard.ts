/** What `watchMathRandom` saw. */
export interface RandomWatch {
  /** Number of Math.random calls since the watch started. */
  readonly calls: number;
  /** Stack of the first call, to find the culprit. */
  readonly firstStack: string | undefined;
  restore(): void;
}

/**
 * Counts Math.random calls until `restore()`. Every random choice must come from lib/rng; a call
 * to Math.random means some consumer is unseeded and the run is not reproducible. With `forbid`,
 * the first call throws instead (used by tests).
 */
export function watchMathRandom(options: { forbid?: boolean } = {}): RandomWatch {
  const original = Math.random;
  const state = { calls: 0, firstStack: undefined as string | undefined };
  Math.random = () => {
    state.calls++;
    state.firstStack ??= new Error("Math.random called").stack;
    if (options.forbid) throw new Error("Math.random called during a task run: use lib/rng streams instead");
    return original();
  };
  return {
    get calls() {
      return state.calls;
    },
    get firstStack() {
      return state.firstStack;
    },
    restore() {
      Math.random = original;
    },
  };
}
