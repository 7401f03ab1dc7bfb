import type { Study } from "./study.ts";

/** Median pruner settings (Optuna's defaults). */
export interface MedianPrunerOptions {
  /** No pruning until this many trials finished (default 5). */
  nStartupTrials: number;
  /** Epochs (1-based) up to and including this one are never pruned (default 1). */
  nWarmupEpochs: number;
}

export const DEFAULT_PRUNER: MedianPrunerOptions = { nStartupTrials: 5, nWarmupEpochs: 1 };

/**
 * True when trial `number`'s value at `epoch` is worse than the median of the finished trials'
 * values at the same epoch. `epoch` is 1-based; epochs ≤ nWarmupEpochs are never pruned.
 */
export function shouldPrune(study: Study, number: number, epoch: number, value: number, options: MedianPrunerOptions = DEFAULT_PRUNER): boolean {
  if (epoch <= options.nWarmupEpochs) return false;
  const others = study.valuesAtEpoch(epoch, number);
  if (others.length < options.nStartupTrials) return false;
  const med = median(others);
  return study.config.direction === "maximize" ? value < med : value > med;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}
