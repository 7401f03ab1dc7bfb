import { beforeAll, expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../../lib/backend/index.ts";
import { SeededDropout, setDropoutStep } from "../../../lib/models/index.ts";
import { deriveSeed } from "../../../lib/rng/index.ts";

beforeAll(async () => {
  await initBackend("wasm");
});

/** Positions zeroed by one training call of `layer` on a [1, 64] tensor of ones. */
function dropped(layer: SeededDropout): number[] {
  return tf.tidy(() => {
    const out = layer.apply(tf.ones([1, 64]), { training: true }) as tf.Tensor;
    return Array.from(out.dataSync()).flatMap((v, i) => (v === 0 ? [i] : []));
  });
}

test("SeededDropout draws a new mask at each step and the same mask for the same step", () => {
  const layer = new SeededDropout({ name: "drop_a", rate: 0.5, rootSeed: 42 });
  layer.setStep(1);
  const step1 = dropped(layer);
  layer.setStep(2);
  const step2 = dropped(layer);
  layer.setStep(1);
  expect(dropped(layer)).toEqual(step1);
  expect(step2).not.toEqual(step1);
  expect(step1.length).toBeGreaterThan(10);
  expect(step1.length).toBeLessThan(54);
});

test("SeededDropout without setStep still changes its mask from one training call to the next", () => {
  const layer = new SeededDropout({ name: "drop_b", rate: 0.5, rootSeed: 42 });
  expect(dropped(layer)).not.toEqual(dropped(layer));
});

test("SeededDropout's step n mask comes from deriveSeed(root, 'dropout/step/<n>/<layer>'), the same as tf.dropout with that seed", () => {
  const layer = new SeededDropout({ name: "head_dropout", rate: 0.2, rootSeed: 7 });
  expect(layer.seedForStep(12)).toBe(deriveSeed(7, "dropout/step/12/head_dropout"));
  layer.setStep(12);
  const expected = tf.tidy(() => Array.from(tf.dropout(tf.ones([1, 64]), 0.2, undefined, deriveSeed(7, "dropout/step/12/head_dropout")).dataSync()));
  const got = tf.tidy(() => Array.from((layer.apply(tf.ones([1, 64]), { training: true }) as tf.Tensor).dataSync()));
  expect(got).toEqual(expected);
  // Kept units are scaled by 1 / (1 − rate).
  expect(new Set(got.map((v) => Math.round(v * 1000) / 1000))).toEqual(new Set([0, 1.25]));
});

test("SeededDropout is the identity at inference", () => {
  const layer = new SeededDropout({ name: "drop_c", rate: 0.5, rootSeed: 1 });
  const out = tf.tidy(() => Array.from((layer.apply(tf.tensor2d([[1, 2, 3]])) as tf.Tensor).dataSync()));
  expect(out).toEqual([1, 2, 3]);
});

test("setDropoutStep(model, n) sets every SeededDropout layer of a model to step n", () => {
  const input = tf.input({ shape: [64] });
  const layer = new SeededDropout({ name: "drop_d", rate: 0.5, rootSeed: 3 });
  const model = tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor });
  setDropoutStep(model, 5);
  const viaModel = tf.tidy(() => Array.from((model.apply(tf.ones([1, 64]), { training: true }) as tf.Tensor).dataSync()).flatMap((v, i) => (v === 0 ? [i] : [])));
  layer.setStep(5);
  expect(dropped(layer)).toEqual(viaModel);
  model.dispose();
});

test("SeededDropout's config round-trips through tf.serialization (rate, root seed, name)", () => {
  const layer = new SeededDropout({ name: "drop_e", rate: 0.3, rootSeed: 11 });
  const restored = tf.serialization.SerializationMap.getMap().classNameMap.SeededDropout!;
  const copy = restored[1](restored[0], layer.getConfig()) as SeededDropout;
  expect(copy).toBeInstanceOf(SeededDropout);
  expect([copy.name, copy.rate, copy.rootSeed]).toEqual(["drop_e", 0.3, 11]);
});
