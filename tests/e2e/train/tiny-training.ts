import { join } from "node:path";
import type { LoopOptions } from "../../../lib/train/loop.ts";

/**
 * A tiny wasm small-cnn training (16 px, batch 8, 2 epochs) on the synthetic cohort the test
 * writes to `<dir>/cohort`, with its preprocessing cache in `<dir>/cache`: the params the training
 * tests share (override what a test varies).
 */
export function tinyTraining(dir: string) {
  const cohort = join(dir, "cohort");
  const base = {
    csv: join(cohort, "classificacao.csv"),
    dicomRoot: join(cohort, "archive"),
    cacheDir: join(dir, "cache"),
    arch: "small-cnn",
    backend: "wasm",
    imgSize: 16,
    batchSize: 8,
    epochs: 2,
    lr: 3e-3,
    backboneLr: 1e-3,
    valFrac: 0.3,
    seed: 42,
  };
  return { cohort, base };
}

/**
 * Options of `trainLoop` for the loop-level tests: small-cnn at `size` px, batch 4, no schedule,
 * no early stop, every layer training from the first epoch (override what a test varies).
 */
export function tinyLoopOptions(size: number, epochs = 2, overrides: Partial<LoopOptions> = {}): LoopOptions {
  return {
    seed: 42, epochs, batchSize: 4, imgSize: size, lr: 1e-3, backboneLr: 1e-3, classWeights: null, samplerWeighted: false, trainAugment: true,
    unfreezeLastBlock: true, trainBackbone: true, warmupEpochs: 0,
    schedule: { name: "none", epochs, patience: 0, factor: 0.5, minLr: 1e-7, stepEpochs: 10, baseLr: 1e-3 },
    earlyStopPatience: 0, earlyStopMinDelta: 0, selectMetric: "macro_f1",
    ...overrides,
  };
}
