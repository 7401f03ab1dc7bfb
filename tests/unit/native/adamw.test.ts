import { afterAll, beforeAll, expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs";
import { nativeAdamWUpdate } from "../../../lib/backend/native/index.ts";
import { AdamW } from "../../../lib/train/adamw.ts";
import { notBuilt, randomValues, restoreBackend, useNative } from "./harness.ts";
import { describeWith } from "../../support/requirements.ts";

beforeAll(async () => {
  if (!notBuilt) await useNative();
});
afterAll(async () => {
  if (!notBuilt) await restoreBackend();
});

const options = { weightDecay: 1e-2, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
const shapes = { kernel: [7, 5], bias: [5] };

/** Gradients of three steps, the same for both runs. */
const grads = [1, 2, 3].map((step) => Object.fromEntries(Object.entries(shapes).map(([name, shape]) => [name, randomValues(shape, `g/${name}/${step}`)])));

function bytes(values: ArrayLike<number>): Buffer {
  return Buffer.from(Float32Array.from(values).buffer);
}

describeWith(["native addon"])("nativeAdamWUpdate", () => {
  test("three steps give bit-identical weights and moments to lib/train/adamw.ts's tfjs ops on the cpu backend (kernel decayed, bias not)", () => {
    // reference: the AdamW class's op sequence on cpu
    tf.setBackend("cpu");
    const ref = Object.fromEntries(Object.entries(shapes).map(([name, shape]) => [name, tf.variable(tf.tensor(randomValues(shape, `w/${name}`), shape))]));
    const adamw = new AdamW(tf, options);
    for (const g of grads) {
      const gradients = Object.entries(ref).map(([name, variable], key) => ({ key, variable, gradient: tf.tensor(g[name]!, variable.shape), lr: 1e-3 }));
      adamw.apply(gradients);
      tf.dispose(gradients.map((u) => u.gradient));
    }
    const refState = adamw.exportState();

    tf.setBackend("native");
    const vars = Object.entries(shapes).map(([name, shape]) => ({
      name,
      variable: tf.variable(tf.tensor(randomValues(shape, `w/${name}`), shape)),
      m: tf.variable(tf.zeros(shape)),
      v: tf.variable(tf.zeros(shape)),
    }));
    grads.forEach((g, i) => {
      for (const s of vars) {
        const gradient = tf.tensor(g[s.name]!, s.variable.shape);
        expect(nativeAdamWUpdate(tf, { variable: s.variable, gradient, m: s.m, v: s.v, lr: 1e-3, step: i + 1, decays: s.variable.rank >= 2 }, options)).toBe(true);
        gradient.dispose();
      }
    });
    vars.forEach((s, key) => {
      expect(bytes(s.variable.dataSync()).equals(bytes(ref[s.name]!.dataSync()))).toBe(true);
      expect(bytes(s.m.dataSync()).equals(bytes(refState[key]!.m))).toBe(true);
      expect(bytes(s.v.dataSync()).equals(bytes(refState[key]!.v))).toBe(true);
    });
    tf.setBackend("cpu");
    adamw.dispose();
    tf.dispose(Object.values(ref));
    tf.setBackend("native");
    tf.dispose(vars.flatMap((s) => [s.variable, s.m, s.v]));
  });

  test("returns false on the cpu backend and leaves the variable alone", () => {
    tf.setBackend("cpu");
    const variable = tf.variable(tf.tensor1d([1, 2, 3]));
    const slots = [tf.variable(tf.zeros([3])), tf.variable(tf.zeros([3]))];
    const gradient = tf.tensor1d([1, 1, 1]);
    expect(nativeAdamWUpdate(tf, { variable, gradient, m: slots[0]!, v: slots[1]!, lr: 0.1, step: 1, decays: false }, options)).toBe(false);
    expect(Array.from(variable.dataSync())).toEqual([1, 2, 3]);
    tf.dispose([variable, gradient, ...slots]);
    tf.setBackend("native");
  });
});
