import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { BufferPool } from "../../../lib/backend/native/buffer-pool.ts";
import { buildModel, setDropoutStep } from "../../../lib/models/index.ts";
import { stream } from "../../../lib/rng/index.ts";
import { AdamW } from "../../../lib/train/adamw.ts";
import { trainStep } from "../../../lib/train/step.ts";
import { notBuilt, restoreBackend, useNative } from "./harness.ts";

// Memory of training on the native backend: the buffer pool keeps at most its cap of free
// buffers, drops those a step did not reuse and hands them back at once, and training's resident
// memory stops growing after the first epochs.

describe("BufferPool", () => {
  test("keeps released buffers up to its cap for reuse and detaches (frees) the ones past it", () => {
    const pool = new BufferPool(1024); // room for two free buffers of 128 floats
    const bufs = [pool.take(128), pool.take(128), pool.take(128)];
    for (const b of bufs) pool.stored(b);
    for (const b of bufs) pool.released(b);
    expect(pool.heldBytes()).toBe(1024);
    expect(bufs.map((b) => b.length)).toEqual([128, 128, 0]); // the third was detached
    const again = [pool.take(128), pool.take(128), pool.take(128)];
    expect(again[0] === bufs[1] || again[0] === bufs[0]).toBe(true);
    expect(new Set([again[0], again[1]])).toEqual(new Set([bufs[0], bufs[1]]));
    expect(again[2]!.length).toBe(128); // a fresh one
    expect(pool.heldBytes()).toBe(0);
  });

  test("trim() drops the free buffers not reused since the previous trim and keeps those released since", () => {
    const pool = new BufferPool();
    const [a, b] = [pool.take(16), pool.take(32)];
    for (const v of [a, b]) pool.stored(v);
    pool.released(a);
    pool.trim(); // a was released in this period: kept
    expect(a.length).toBe(16);
    pool.released(b);
    pool.trim(); // a was not reused during the last period: dropped; b is new: kept
    expect([a.length, b.length]).toEqual([0, 32]);
    expect(pool.heldBytes()).toBe(32 * 4);
    expect(pool.take(32)).toBe(b);
    expect(pool.heldBytes()).toBe(0);
  });

  test("a buffer still stored by a tensor (or a view of it) is neither reused nor detached", () => {
    const pool = new BufferPool(0);
    const whole = pool.take(64);
    pool.stored(whole);
    pool.stored(whole.subarray(0, 8)); // a slice's view
    pool.released(whole);
    expect(whole.length).toBe(64);
    pool.released(whole.subarray(0, 8));
    expect(whole.length).toBe(0);
  });
});

const rssMb = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))?.[1]) / 1024;

beforeAll(async () => {
  if (!notBuilt) await useNative();
});
afterAll(async () => {
  if (!notBuilt) await restoreBackend();
});

// Under the sanitizer build (.ci/run preloads libasan), freed memory waits in ASan's quarantine
// (256 MB by default) so that a use after free is caught: resident memory then grows by design.
const underAsan = readFileSync("/proc/self/maps", "utf8").includes("libasan");

/** EfficientNet-B0 at 64 px, six epochs of three steps: tensor count and resident MB after each epoch. */
function trainSixEpochs(): { rss: number[]; tensors: number[] } {
  const size = 64, batch = 4;
  const built = buildModel(tf, { arch: "efficientnet-b0", imgSize: size, seed: 7 });
  const vars = built.model.trainableWeights.map((w, key) => ({ key, variable: w.read() as tf.Variable, lr: 1e-3 }));
  const optimizer = new AdamW(tf, { weightDecay: 1e-4 });
  const rng = stream(7, "memory-test");
  const x = Float32Array.from({ length: batch * size * size }, () => rng.float());
  const labels = Array.from({ length: batch }, () => rng.int(4));
  const rss: number[] = [], tensors: number[] = [];
  let step = 0;
  for (let epoch = 1; epoch <= 6; epoch++) {
    for (let s = 0; s < 3; s++) {
      setDropoutStep(built.model, ++step);
      const input = tf.tensor4d(x, [batch, size, size, 1]);
      trainStep(tf, built.model, optimizer, vars, [input], labels, null);
      input.dispose();
    }
    Bun.gc(true);
    rss.push(rssMb());
    tensors.push(tf.memory().numTensors);
  }
  optimizer.dispose();
  built.model.dispose();
  return { rss, tensors };
}

describe.skipIf(notBuilt)("training on the native backend: EfficientNet-B0 at 64 px, six epochs of three steps", () => {
  let run: { rss: number[]; tensors: number[] } | undefined;
  const measured = () => (run ??= trainSixEpochs());

  test("the tensor count never changes (the optimizer's moments exist from the first step on)", () => {
    expect(new Set(measured().tensors).size).toBe(1);
  });

  test.skipIf(underAsan)("resident memory moves by less than 5 % after epoch 2 (a step at this size uses ~100 MB)", () => {
    const settled = measured().rss.slice(1);
    expect(Math.max(...settled) - settled[0]!).toBeLessThanOrEqual(0.05 * settled[0]!);
  });
});
