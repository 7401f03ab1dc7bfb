import { writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Writes a tiny experiment file (24 synthetic accessions, 16-px images, 2 epochs, 2 seeds, no CV
 * or report) into `dir`, with `train` overrides; returns its path. Runs go to `<dir>/<name>`.
 */
export function writeTinyExperiment(dir: string, name: string, train: Record<string, unknown> = {}): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      name,
      outdir: join(dir, name),
      dataset: { synth: { accessions: 24, seed: 5, imageSize: 32, encodings: ["explicit-le"] } },
      split: { valFrac: 0.3 },
      train: { arch: "small-cnn", backend: "wasm", imgSize: 16, batchSize: 8, epochs: 2, lr: 3e-3, backboneLr: 1e-3, cacheDir: join(dir, "cache"), ...train },
      seeds: [42, 43],
      cv: null,
      aggregate: { bootstrap: 0 },
      report: null,
    }),
  );
  return path;
}
