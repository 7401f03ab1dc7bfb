import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs";
import { notBuilt, restoreBackend, useNative } from "./harness.ts";

// The native backend frees each node's output gradients and saved forward tensors once
// backpropagation is past the node (lib/backend/native/backprop.ts); the cpu backend (plain tfjs)
// holds all of them until the end of the backward pass.

beforeAll(async () => {
  if (!notBuilt) await useNative();
});
afterAll(async () => {
  if (!notBuilt) await restoreBackend();
});

/** tf.customGrad's argument, for a function of one tensor. */
type CustomGrad = Parameters<typeof tf.customGrad>[0];

const ELEMENTS = 1 << 16; // 256 KiB of float32 per tensor
const DEPTH = 16;

/**
 * Gradient of sum(sin(sin(…sin(x)))) (DEPTH sines) on `backend`, and the bytes of live tensors
 * at the moment the backward pass reaches the first op (a customGrad identity in front of the
 * chain, whose gradient runs last), above what was live before the call.
 */
function chainGradient(backend: string): { grad: Float32Array; liveAtLastNode: number } {
  tf.setBackend(backend);
  const before = tf.memory().numBytes;
  let liveAtLastNode = -1;
  const probe = tf.customGrad(((x: tf.Tensor) => ({
    value: x.clone(),
    gradFunc: (dy: tf.Tensor) => {
      liveAtLastNode = tf.memory().numBytes - before;
      return dy.clone();
    },
  })) as unknown as CustomGrad);
  const x = tf.variable(tf.linspace(-3, 3, ELEMENTS));
  const beforeGrads = tf.memory().numBytes;
  const { grads, value } = tf.variableGrads(() => {
    let h = probe(x);
    for (let i = 0; i < DEPTH; i++) h = tf.sin(h);
    return tf.sum(h) as tf.Scalar;
  }, [x]);
  const grad = grads[x.name]!.dataSync().slice() as Float32Array;
  tf.dispose([value, ...Object.values(grads), x]);
  tf.setBackend("native");
  return { grad, liveAtLastNode: liveAtLastNode - (beforeGrads - before) };
}

describe.skipIf(notBuilt)("backpropagation on the native backend frees what it is done with", () => {
  test(`a chain of ${DEPTH} sines: same gradient as the cpu backend, with at most 2 tensors of the chain live at its end instead of all ${2 * DEPTH}`, () => {
    const native = chainGradient("native");
    const cpu = chainGradient("cpu");
    const bytes = ELEMENTS * 4;
    // cpu: every sine's saved input and every dy are still there (≥ 2·DEPTH tensors of the chain)
    expect(cpu.liveAtLastNode).toBeGreaterThanOrEqual(2 * DEPTH * bytes);
    // native: the probe's dy and at most one more (+ a few scalars: the loss)
    expect(native.liveAtLastNode).toBeLessThanOrEqual(2 * bytes + 64);
    let worst = 0;
    native.grad.forEach((g, i) => (worst = Math.max(worst, Math.abs(g - cpu.grad[i]!))));
    expect(worst).toBeLessThanOrEqual(1e-6);
  });

  test("a gradient passed through unchanged and the caller's dy stay alive", () => {
    const x = tf.variable(tf.tensor1d([1, 2, 3]));
    const dy = tf.tensor1d([0.5, 0.25, 2]);
    const passThrough = tf.customGrad(((a: tf.Tensor) => ({ value: a.clone(), gradFunc: (d: tf.Tensor) => d })) as unknown as CustomGrad);
    const grad = tf.grad((a: tf.Tensor) => tf.mul(passThrough(tf.mul(a, 3)), 2))(x, dy);
    expect(Array.from(grad.dataSync())).toEqual([3, 1.5, 12]);
    expect(Array.from(dy.dataSync())).toEqual([0.5, 0.25, 2]);
    tf.dispose([x, dy, grad]);
  });
});
