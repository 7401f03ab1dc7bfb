import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../../lib/backend/index.ts";
import { SeededDropout, weightsSha256 } from "../../../lib/models/index.ts";
import { runTask } from "../../../lib/task/index.ts";
import { trainParams } from "../../../lib/train/index.ts";
import { loopOptions } from "../../../lib/train/epochs.ts";
import { buildNetwork } from "../../../lib/train/network.ts";
import { runSourceSeeds } from "../../../lib/train/params.ts";
import { tinyTraining } from "./tiny-training.ts";

const dir = mkdtempSync(join(tmpdir(), "seed-sources-"));
const { cohort, base } = tinyTraining(dir);

beforeAll(async () => {
  await initBackend("wasm");
  await runTask("synth", { outdir: cohort, accessions: 30, seed: 3, imageSize: 32, encodings: ["explicit-le"] }, { quiet: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Summary {
  seed: number;
  seeds: Record<string, number>;
  seed_init: number | null;
  weights_sha256: string;
  split_hash: string;
  config: Record<string, unknown>;
}
const summaryOf = (run: string) => JSON.parse(readFileSync(join(run, "summary.json"), "utf8")) as Summary;
const train = async (name: string, params: Record<string, unknown> = {}) => (await runTask("train", { ...base, outdir: join(dir, name), ...params }, { quiet: true })).path as string;
const params = (extra: Record<string, unknown>) => trainParams.parse({ csv: "x.csv", arch: "small-cnn", imgSize: 16, ...extra });

describe("buildNetwork(tf, params) takes the init and dropout seeds from their sources", () => {
  const network = (extra: Record<string, unknown>) => {
    const n = buildNetwork(tf, params(extra), 0);
    const dropout = n.built.model.getLayer("head_dropout") as SeededDropout;
    const out = { weights: weightsSha256(n.built.model), dropoutSeed: dropout.rootSeed };
    n.dispose();
    return out;
  };
  test("--seed-init moves the initial weights only; --seed-dropout moves the masks only", () => {
    const plain42 = network({ seed: 42 });
    const plain43 = network({ seed: 43 });
    expect(plain42.dropoutSeed).toBe(42);
    expect(network({ seed: 42, seedInit: 43 })).toEqual({ weights: plain43.weights, dropoutSeed: 42 });
    expect(network({ seed: 42, seedDropout: 9 })).toEqual({ weights: plain42.weights, dropoutSeed: 9 });
    expect(network({ seed: 43, seedInit: 42 })).toEqual({ weights: plain42.weights, dropoutSeed: 43 });
  });
});

test("loopOptions(params) takes the order and augment seeds from their sources", () => {
  const o = loopOptions(params({ seed: 42, seedOrder: 5 }), null);
  expect([o.orderSeed, o.augmentSeed]).toEqual([5, 42]);
  const a = loopOptions(params({ seed: 42, seedAugment: 6 }), null);
  expect([a.orderSeed, a.augmentSeed]).toEqual([42, 6]);
  expect(runSourceSeeds(params({ seed: 7 }))).toEqual({ split: 7, init: 7, order: 7, augment: 7, dropout: 7 });
});

describe("runTask('train') with per-source seeds", () => {
  let plain = "";
  beforeAll(async () => {
    plain = await train("plain");
  });

  test("by default every source follows --seed, and naming each source's seed as --seed changes no bit", async () => {
    const explicit = await train("explicit", { seedSplit: 42, seedInit: 42, seedOrder: 42, seedAugment: 42, seedDropout: 42 });
    const [a, b] = [summaryOf(plain), summaryOf(explicit)];
    expect(a.seeds).toEqual({ split: 42, init: 42, order: 42, augment: 42, dropout: 42 });
    expect(b.weights_sha256).toBe(a.weights_sha256);
    expect(readFileSync(join(explicit, "val_predictions.csv"), "utf8")).toBe(readFileSync(join(plain, "val_predictions.csv"), "utf8"));
    // The per-source seeds are not configuration: runs that differ only in seeds aggregate together.
    expect(b.config).toEqual(a.config);
    expect(a.seed_init).toBeNull();
  });

  test("--seed-augment changes the weights but not the split; summary.json records every source's seed", async () => {
    const run = await train("augment", { seedAugment: 7 });
    const [a, b] = [summaryOf(plain), summaryOf(run)];
    expect(b.seeds).toEqual({ split: 42, init: 42, order: 42, augment: 7, dropout: 42 });
    expect(b.split_hash).toBe(a.split_hash);
    expect(b.weights_sha256).not.toBe(a.weights_sha256);
  });

  test("--seed-split 42 with --seed 43 validates on seed 42's hold-out", async () => {
    const run = await train("split", { seed: 43, seedSplit: 42 });
    const s = summaryOf(run);
    expect(s.seeds).toEqual({ split: 42, init: 43, order: 43, augment: 43, dropout: 43 });
    expect(s.split_hash).toBe(summaryOf(plain).split_hash);
  });

  test("with --split, summary.json records split.json's seed as the split source's", async () => {
    const made = await runTask("split", { csv: base.csv, dicomRoot: base.dicomRoot, seed: 44, valFrac: 0.3, outdir: join(dir, "split44") }, { quiet: true });
    const run = await train("from-file", { seed: 42, split: made.path, epochs: 1 });
    expect(summaryOf(run).seeds).toEqual({ split: 44, init: 42, order: 42, augment: 42, dropout: 42 });
    await expect(train("refused", { split: made.path, seedSplit: 3 })).rejects.toThrow(`--seed-split 3 cannot be combined with --split ${made.path}`);
  });
});
