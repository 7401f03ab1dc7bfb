/** `--lr-schedule`: how the learning rates change between epochs. */
export type LrScheduleName = "none" | "plateau" | "cosine" | "step";

export interface LrScheduleOptions {
  name: LrScheduleName;
  /** Total epochs (cosine anneals over all of them). */
  epochs: number;
  /** plateau: epochs without improvement before reducing (`--lr-reduce-patience`). */
  patience: number;
  /** plateau and step: multiplier applied at each reduction (`--lr-reduce-factor`, default 0.5). */
  factor: number;
  /** Floor for the head learning rate (`--lr-reduce-min-lr`, default 1e-7); also cosine's end value. */
  minLr: number;
  /** step: epochs between reductions (`--lr-step-epochs`). */
  stepEpochs: number;
  /** Head learning rate at epoch 1 (`--lr`); the backbone rate is scaled by the same factor. */
  baseLr: number;
}

/** What the schedule carries from one epoch to the next (stored in the checkpoint). */
export interface LrScheduleState {
  /** Multiplier applied to both groups' base learning rates. */
  scale: number;
  /** plateau: best monitored value so far (null before the first epoch). */
  best: number | null;
  /** plateau: epochs since the last improvement. */
  badEpochs: number;
}

export const initialLrState = (): LrScheduleState => ({ scale: 1, best: null, badEpochs: 0 });

/** The multiplier to use during epoch `epoch` (1-based), given the state after epoch − 1. */
export function lrScaleFor(options: LrScheduleOptions, state: LrScheduleState, epoch: number): number {
  const floor = options.baseLr > 0 ? options.minLr / options.baseLr : 0;
  switch (options.name) {
    case "none":
      return 1;
    case "plateau":
      return state.scale;
    case "step":
      return Math.max(floor, options.factor ** Math.floor((epoch - 1) / options.stepEpochs));
    case "cosine": {
      // Cosine annealing from 1 (epoch 1) to the floor (last epoch), as CosineAnnealingLR with T_max = epochs − 1.
      const span = Math.max(1, options.epochs - 1);
      const t = Math.min(1, (epoch - 1) / span);
      return floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * t));
    }
  }
}

/**
 * Plateau bookkeeping after an epoch whose monitored value (higher is better) is `value`:
 * after `patience` epochs without improvement the scale is multiplied by `factor`, down to the
 * floor (as ReduceLROnPlateau in mode "max" with threshold 0). Other schedules keep no state.
 */
export function lrAfterEpoch(options: LrScheduleOptions, state: LrScheduleState, value: number): LrScheduleState {
  if (options.name !== "plateau") return state;
  if (state.best === null || value > state.best) return { ...state, best: value, badEpochs: 0 };
  const badEpochs = state.badEpochs + 1;
  if (badEpochs <= options.patience) return { ...state, badEpochs };
  const floor = options.baseLr > 0 ? options.minLr / options.baseLr : 0;
  return { ...state, scale: Math.max(floor, state.scale * options.factor), badEpochs: 0 };
}

/** Best-epoch tracking and early stopping (stored in the checkpoint). */
export interface StopState {
  /** Best monitored value so far (higher is better), null before the first epoch. */
  best: number | null;
  bestEpoch: number | null;
  /** Epochs since the last improvement by more than min-delta. */
  badEpochs: number;
  stopped: boolean;
}

export const initialStopState = (): StopState => ({ best: null, bestEpoch: null, badEpochs: 0, stopped: false });

/**
 * Updates best epoch and early stopping after epoch `epoch` with monitored value `value`.
 * A new best needs a strict improvement (ties keep the earlier epoch); early stopping counts
 * epochs that did not beat the best by more than `minDelta` and stops after `patience` of them
 * (patience 0 = never stop).
 */
export function stopAfterEpoch(state: StopState, epoch: number, value: number, patience: number, minDelta: number): { state: StopState; improved: boolean } {
  const improved = state.best === null || value > state.best;
  const significant = state.best === null || value > state.best + minDelta;
  const badEpochs = significant ? 0 : state.badEpochs + 1;
  return {
    improved,
    state: {
      best: improved ? value : state.best,
      bestEpoch: improved ? epoch : state.bestEpoch,
      badEpochs,
      stopped: patience > 0 && badEpochs >= patience,
    },
  };
}
