import { expect, test } from "bun:test";
import { initBackend } from "../../../lib/backend/index.ts";
import { AdamW } from "../../../lib/train/adamw.ts";

/** Float64 reference of PyTorch's AdamW step for one scalar parameter. */
function referenceAdamW(w: number, grads: number[], lr: number, wd: number, decays: boolean): number {
  let m = 0;
  let v = 0;
  grads.forEach((g, i) => {
    const t = i + 1;
    if (decays) w *= 1 - lr * wd;
    m = 0.9 * m + 0.1 * g;
    v = 0.999 * v + 0.001 * g * g;
    const denom = Math.sqrt(v) / Math.sqrt(1 - 0.999 ** t) + 1e-8;
    w -= (lr / (1 - 0.9 ** t)) * (m / denom);
  });
  return w;
}

test("AdamW.apply matches PyTorch's AdamW on kernels (decayed) and biases (not decayed)", async () => {
  const { tf } = await initBackend("cpu");
  const kernel = tf.variable(tf.tensor2d([[0.5, -1]]));
  const bias = tf.variable(tf.tensor1d([2]));
  const opt = new AdamW(tf, { weightDecay: 0.1 });
  const grads = [
    [0.3, -0.2, 1],
    [0.1, 0.4, -0.5],
    [-0.7, 0.05, 0.2],
  ];
  for (const [gk0, gk1, gb] of grads) {
    const gk = tf.tensor2d([[gk0 as number, gk1 as number]]);
    const gbias = tf.tensor1d([gb as number]);
    opt.apply([
      { key: 0, variable: kernel, gradient: gk, lr: 0.01 },
      { key: 1, variable: bias, gradient: gbias, lr: 0.05 },
    ]);
    tf.dispose([gk, gbias]);
  }
  const k = kernel.dataSync();
  expect(k[0]).toBeCloseTo(referenceAdamW(0.5, grads.map((g) => g[0] as number), 0.01, 0.1, true), 6);
  expect(k[1]).toBeCloseTo(referenceAdamW(-1, grads.map((g) => g[1] as number), 0.01, 0.1, true), 6);
  expect(bias.dataSync()[0]).toBeCloseTo(referenceAdamW(2, grads.map((g) => g[2] as number), 0.05, 0.1, false), 6);
  // Decay really happened on the kernel: without it the result differs by about lr·wd·w per step.
  expect(Math.abs((k[0] as number) - referenceAdamW(0.5, grads.map((g) => g[0] as number), 0.01, 0, false))).toBeGreaterThan(1e-4);
  opt.dispose();
  tf.dispose([kernel, bias]);
});

test("AdamW.exportState / importState resume to the same weights as an uninterrupted run", async () => {
  const { tf } = await initBackend("cpu");
  const run = (splitAt: number | null) => {
    const w = tf.tidy(() => tf.variable(tf.tensor2d([[1, 2], [3, 4]])));
    let opt = new AdamW(tf, { weightDecay: 0.01 });
    for (let step = 0; step < 4; step++) {
      if (step === splitAt) {
        const state = opt.exportState();
        opt.dispose();
        opt = new AdamW(tf, { weightDecay: 0.01 });
        opt.importState(state, () => [2, 2]);
        expect(state[0]?.step).toBe(splitAt);
      }
      const g = tf.tensor2d([[step + 1, -1], [0.5, step * 0.25]]);
      opt.apply([{ key: 3, variable: w, gradient: g, lr: 0.1 }]);
      g.dispose();
    }
    const out = [...w.dataSync()];
    opt.dispose();
    w.dispose();
    return out;
  };
  const before = tf.memory().numTensors;
  expect(run(2)).toEqual(run(null));
  expect(tf.memory().numTensors).toBe(before);
});
