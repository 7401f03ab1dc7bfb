import { join } from "node:path";

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
