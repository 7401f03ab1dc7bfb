import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs";
import { splitPositions } from "../../../lib/backend/webgpu/kernels/filter-grads.ts";
import { stream } from "../../../lib/rng/index.ts";
import { describeWebGPU, expectMatchesCpu, noAdapter, randomValues, restoreBackend, useWebGPU } from "./harness.ts";

// The convolution kernels of a training step on webgpu against tfjs's cpu kernels, on shapes
// drawn from a seeded stream (batch 1–3, sides 5–24, 1–20 channels, 1×1 to 5×5 filters, strides 1
// and 2, same/valid padding). The filter gradients are the project's deterministic split sums,
// checked on every shape; the forward and input-gradient kernels are tfjs-backend-webgpu's,
// checked on the first three (each new shape may compile a new variant of tfjs's large tiled
// shader, which takes seconds on a software adapter; kernels.test.ts replays them on the
// models' own shapes). Tolerance: 1e-4 of the output's scale.

beforeAll(async () => {
  if (!noAdapter) await useWebGPU();
});
afterAll(async () => {
  if (!noAdapter) await restoreBackend();
});

type Shape4 = [number, number, number, number];
interface Case {
  x: Shape4;
  k: [number, number];
  out: number;
  s: number;
  pad: "same" | "valid";
}

/** Case i of a seeded stream of convolution shapes. */
function randomCase(kind: string, i: number): Case {
  const rng = stream(16, `webgpu/${kind}/${i}`);
  const k: [number, number] = [[1, 3, 5][rng.int(3)]!, [1, 3, 5][rng.int(3)]!];
  const side = () => 5 + rng.int(20);
  return { x: [1 + rng.int(3), side(), side(), 1 + rng.int(20)], k, out: 1 + rng.int(24), s: 1 + rng.int(2), pad: rng.int(2) === 0 ? "same" : "valid" };
}
const label = (c: Case) => `x ${c.x.join("×")}, ${c.k.join("×")}→${c.out}, stride ${c.s}, ${c.pad}`;
const outShape = (c: Case, filter: Shape4, depthwise = false) => tf.backend_util.computeConv2DInfo(c.x, filter, c.s, 1, c.pad, undefined, depthwise).outShape;
const input = (shape: number[], purpose: string) => ({ shape, values: randomValues(shape, purpose) });

const convCases = Array.from({ length: 8 }, (_, i) => randomCase("conv", i));
// two fixed shapes: EfficientNet's 1×1 expansion (many positions, several chunks) and a stride-2 stem
convCases.push({ x: [2, 24, 24, 16], k: [1, 1], out: 24, s: 1, pad: "valid" }, { x: [2, 32, 32, 1], k: [3, 3], out: 8, s: 2, pad: "same" });

describeWebGPU("convolution kernels (webgpu) match the cpu kernels", () => {
  for (const [i, c] of convCases.entries()) {
    const filter: Shape4 = [c.k[0], c.k[1], c.x[3], c.out];
    const dy = outShape(c, filter);
    const attrs = { strides: c.s, pad: c.pad, dataFormat: "NHWC", dilations: 1 };
    test(`Conv2DBackpropFilter${i < 3 ? ", Conv2D, Conv2DBackpropInput" : ""}: ${label(c)}`, async () => {
      await expectMatchesCpu("Conv2DBackpropFilter", { x: input(c.x, "x"), dy: input(dy, "dy") }, { ...attrs, filterShape: filter });
      if (i >= 3) return;
      await expectMatchesCpu("Conv2D", { x: input(c.x, "x"), filter: input(filter, "w") }, attrs);
      await expectMatchesCpu("Conv2DBackpropInput", { dy: input(dy, "dy"), filter: input(filter, "w") }, { ...attrs, inputShape: c.x });
    });
  }
});

const dwCases = Array.from({ length: 6 }, (_, i) => randomCase("depthwise", i));
dwCases.push({ x: [2, 20, 20, 24], k: [5, 5], out: 24, s: 2, pad: "same" });

describeWebGPU("depthwise convolution kernels (webgpu) match the cpu kernels", () => {
  for (const c of dwCases) {
    const filter: Shape4 = [c.k[0], c.k[1], c.x[3], 1];
    const dy = outShape(c, filter, true);
    const attrs = { strides: c.s, pad: c.pad, dilations: 1, dataFormat: "NHWC" };
    test(`DepthwiseConv2dNative and both gradients: ${label({ ...c, out: c.x[3] })}`, async () => {
      await expectMatchesCpu("DepthwiseConv2dNativeBackpropFilter", { x: input(c.x, "x"), dy: input(dy, "dy") }, { ...attrs, filterShape: filter });
      await expectMatchesCpu("DepthwiseConv2dNative", { x: input(c.x, "x"), filter: input(filter, "w") }, attrs);
      await expectMatchesCpu("DepthwiseConv2dNativeBackpropInput", { dy: input(dy, "dy"), filter: input(filter, "w") }, { ...attrs, inputShape: c.x });
    });
  }
  test("DepthwiseConv2dNativeBackpropFilter with channel multiplier 2", async () => {
    const x: Shape4 = [2, 9, 11, 3], filter: Shape4 = [3, 3, 3, 2];
    const dy = tf.backend_util.computeConv2DInfo(x, filter, 1, 1, "same", undefined, true).outShape;
    await expectMatchesCpu("DepthwiseConv2dNativeBackpropFilter", { x: input(x, "x"), dy: input(dy, "dy") }, { strides: 1, pad: "same", dilations: 1, filterShape: filter });
  });
});

describe("splitPositions (the filter gradients' chunking)", () => {
  test("splitPositions(P, F) covers every position once, in chunks of ≥ 64 where P allows, S·F near 65536", () => {
    for (const [positions, filterElements] of [[1, 9], [63, 9], [1152, 384], [1_048_576, 512], [2 * 32 * 32, 1280 * 320], [4096, 1]]) {
      const { chunks, chunk } = splitPositions(positions!, filterElements!);
      expect(chunks * chunk).toBeGreaterThanOrEqual(positions!);
      expect((chunks - 1) * chunk).toBeLessThan(positions!);
      if (positions! >= 64) expect(chunk).toBeGreaterThanOrEqual(64);
      expect(chunks * filterElements!).toBeLessThanOrEqual(Math.max(filterElements!, 1 << 16));
    }
    expect(splitPositions(1_048_576, 512)).toEqual({ chunks: 128, chunk: 8192 });
  });
});
