import { beforeAll, describe, expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs";
import { initBackend, wasmKernelConfigs } from "../../../lib/backend/index.ts";
import { convOutShape, randomValues, relativeError, runOn, type KernelInputs } from "./kernel-harness.ts";

// Every kernel the project registers for wasm is checked against tfjs's pure-JS cpu kernel of the
// same name on random NHWC shapes: strides 1 and 2, same and valid padding, odd sizes, 1–9
// channels, and the shapes that pick each implementation path. Tolerance: 1e-5 of the output's scale.
const TOLERANCE = 1e-5;

beforeAll(async () => {
  await initBackend("wasm");
});

function expectMatchesCpu(name: string, inputs: KernelInputs, attrs: Record<string, unknown>): void {
  const wasm = runOn("wasm", name, inputs, attrs);
  const cpu = runOn("cpu", name, inputs, attrs);
  tf.setBackend("wasm");
  expect(wasm.shape).toEqual(cpu.shape);
  expect(relativeError(wasm.values, cpu.values)).toBeLessThanOrEqual(TOLERANCE);
}

type ConvCase = [x: [number, number, number, number], k: number, outChannels: number, strides: number, pad: "same" | "valid"];
const convCases: ConvCase[] = [
  [[2, 7, 9, 3], 3, 5, 1, "same"], // few channels: im2col matrix product; stride 1: forward conv
  [[2, 9, 8, 3], 3, 4, 2, "same"], // stride 2: col2im path for dx
  [[1, 8, 8, 1], 3, 2, 2, "valid"],
  [[3, 5, 6, 8], 1, 7, 1, "valid"], // pointwise: patches read straight from x
  [[2, 11, 10, 4], 5, 3, 2, "same"],
  [[2, 9, 9, 8], 3, 5, 2, "same"], // ≥ 8 channels, k > 1: dilated-convolution path for dW
  [[2, 7, 8, 9], 3, 4, 1, "valid"],
  [[2, 10, 9, 8], 5, 3, 2, "valid"],
];

describe("Conv2DBackpropFilter (wasm) matches the cpu kernel", () => {
  for (const [x, k, co, s, pad] of convCases) {
    test(`x ${x.join("×")}, ${k}×${k}→${co}, stride ${s}, ${pad}`, () => {
      const filterShape: [number, number, number, number] = [k, k, x[3], co];
      const dy = convOutShape(x, filterShape, s, pad);
      expectMatchesCpu(
        "Conv2DBackpropFilter",
        { x: { shape: x, values: randomValues(x, "x") }, dy: { shape: dy, values: randomValues(dy, "dy") } },
        { strides: s, pad, dataFormat: "NHWC", filterShape },
      );
    });
  }
});

describe("Conv2DBackpropInput (wasm) matches the cpu kernel", () => {
  for (const [x, k, co, s, pad] of convCases) {
    test(`x ${x.join("×")}, ${k}×${k}→${co}, stride ${s}, ${pad}`, () => {
      const filterShape: [number, number, number, number] = [k, k, x[3], co];
      const dy = convOutShape(x, filterShape, s, pad);
      expectMatchesCpu(
        "Conv2DBackpropInput",
        { dy: { shape: dy, values: randomValues(dy, "dy") }, filter: { shape: filterShape, values: randomValues(filterShape, "w") } },
        { strides: s, pad, dataFormat: "NHWC", inputShape: x },
      );
    });
  }
});

type DepthwiseCase = [x: [number, number, number, number], k: number, multiplier: number, strides: number, pad: "same" | "valid"];
const depthwiseCases: DepthwiseCase[] = [
  [[2, 7, 9, 3], 3, 1, 1, "same"],
  [[2, 9, 8, 8], 3, 1, 2, "same"], // 8 channels: the 4-at-a-time loops
  [[1, 11, 10, 5], 5, 1, 2, "same"],
  [[2, 8, 7, 4], 3, 2, 1, "valid"], // channel multiplier 2
  [[1, 6, 6, 1], 3, 1, 2, "valid"],
];

describe("DepthwiseConv2dNativeBackpropFilter / BackpropInput (wasm) match the cpu kernels", () => {
  for (const [x, k, m, s, pad] of depthwiseCases) {
    const filterShape: [number, number, number, number] = [k, k, x[3], m];
    const dy = convOutShape(x, filterShape, s, pad, true);
    test(`filter gradient: x ${x.join("×")}, ${k}×${k}, multiplier ${m}, stride ${s}, ${pad}`, () => {
      expectMatchesCpu(
        "DepthwiseConv2dNativeBackpropFilter",
        { x: { shape: x, values: randomValues(x, "x") }, dy: { shape: dy, values: randomValues(dy, "dy") } },
        { strides: s, pad, dilations: 1, filterShape },
      );
    });
    test(`input gradient: x ${x.join("×")}, ${k}×${k}, multiplier ${m}, stride ${s}, ${pad}`, () => {
      expectMatchesCpu(
        "DepthwiseConv2dNativeBackpropInput",
        { dy: { shape: dy, values: randomValues(dy, "dy") }, filter: { shape: filterShape, values: randomValues(filterShape, "w") } },
        { strides: s, pad, dilations: 1, inputShape: x },
      );
    });
  }
});

describe("MaxPoolGrad (wasm) matches the cpu kernel", () => {
  const cases: [x: number[], size: number, strides: number, pad: "same" | "valid"][] = [
    [[2, 8, 8, 3], 2, 2, "valid"],
    [[2, 7, 9, 5], 3, 2, "same"], // overlapping windows
    [[1, 5, 5, 2], 3, 1, "same"],
  ];
  for (const [x, size, s, pad] of cases) {
    test(`x ${x.join("×")}, ${size}×${size} pool, stride ${s}, ${pad}`, () => {
      const input = randomValues(x, "pool");
      const output = runOn("cpu", "MaxPool", { x: { shape: x, values: input } }, { filterSize: size, strides: s, pad });
      expectMatchesCpu(
        "MaxPoolGrad",
        { dy: { shape: output.shape, values: randomValues(output.shape, "dy") }, input: { shape: x, values: input }, output: { shape: output.shape, values: output.values } },
        { filterSize: size, strides: s, pad },
      );
    });
  }
  test("ties: each window's gradient goes to its first maximum, as on cpu", () => {
    const x = [1, 4, 4, 2];
    const input = new Float32Array(32).fill(1);
    const output = runOn("cpu", "MaxPool", { x: { shape: x, values: input } }, { filterSize: 2, strides: 2, pad: "valid" });
    const inputs: KernelInputs = { dy: { shape: output.shape, values: Float32Array.from({ length: 8 }, (_, i) => i + 1) }, input: { shape: x, values: input }, output: { shape: output.shape, values: output.values } };
    const wasm = runOn("wasm", "MaxPoolGrad", inputs, { filterSize: 2, strides: 2, pad: "valid" });
    expect(Array.from(wasm.values)).toEqual(Array.from(runOn("cpu", "MaxPoolGrad", inputs, { filterSize: 2, strides: 2, pad: "valid" }).values));
    // Pixel (0, 0) of each channel takes window (0, 0)'s gradient: dy values 1 and 2.
    expect([wasm.values[0], wasm.values[1]]).toEqual([1, 2]);
    tf.setBackend("wasm");
  });
});

describe("Tile (wasm) matches the cpu kernel", () => {
  const cases: [shape: number[], reps: number[]][] = [
    [[1, 1, 1, 5], [2, 3, 4, 1]], // batch-norm gradient: a channel vector to a full activation
    [[2, 3], [3, 2]],
    [[3], [4]],
    [[2, 1, 3], [1, 4, 2]],
  ];
  for (const [shape, reps] of cases) {
    test(`${shape.join("×")} tiled ${reps.join("×")}`, () => {
      expectMatchesCpu("Tile", { x: { shape, values: randomValues(shape, "tile") } }, { reps });
    });
  }
  test("int32 values", () => {
    const values = Int32Array.from([1, -2, 3, 4, 5, 6]);
    const wasm = runOn("wasm", "Tile", { x: { shape: [2, 3], values } }, { reps: [2, 2] });
    tf.setBackend("wasm");
    expect(Array.from(wasm.values.slice(0, 12))).toEqual([1, -2, 3, 1, -2, 3, 4, 5, 6, 4, 5, 6]);
  });
});

describe("Sum and Mean (wasm) match the cpu kernels", () => {
  const cases: [shape: number[], axis: number[], keepDims: boolean][] = [
    [[2, 5, 6, 3], [0, 1, 2], false], // batch-norm gradient: per-channel sums
    [[2, 5, 6, 3], [1, 2], true], // global average pooling
    [[2, 5, 6, 3], [3], false],
    [[4, 7], [0], true],
    [[2, 5, 6, 3], [0, 2], false], // scattered axes: the backend's own kernel
    [[3, 4, 5], [-1, -2], false],
  ];
  for (const kernel of ["Sum", "Mean"]) {
    for (const [shape, axis, keepDims] of cases) {
      test(`${kernel} of ${shape.join("×")} over [${axis}]${keepDims ? ", keepDims" : ""}`, () => {
        expectMatchesCpu(kernel, { x: { shape, values: randomValues(shape, "sum") } }, { axis, keepDims });
      });
    }
  }
});

describe("Identity (wasm)", () => {
  test("matches the cpu kernel", () => {
    expectMatchesCpu("Identity", { x: { shape: [2, 3, 4], values: randomValues([2, 3, 4], "id") } }, {});
  });
  test("shares the input's memory: a clone outlives its disposed source", () => {
    tf.setBackend("wasm");
    const x = tf.tensor1d([1, 2, 3]);
    const y = tf.clone(x);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    y.dispose();
  });
});

test("wasmKernelConfigs lists every kernel tested here, all for the wasm backend", () => {
  expect(wasmKernelConfigs.map((c) => c.kernelName).sort()).toEqual(
    ["Conv2DBackpropFilter", "Conv2DBackpropInput", "DepthwiseConv2dNativeBackpropFilter", "DepthwiseConv2dNativeBackpropInput", "Identity", "MaxPoolGrad", "Mean", "Sum", "Tile"].sort(),
  );
  expect(wasmKernelConfigs.every((c) => c.backendName === "wasm" && tf.getKernel(c.kernelName, "wasm")?.kernelFunc === c.kernelFunc)).toBe(true);
});

test("the wasm kernels are deterministic: the same inputs give bit-identical outputs", () => {
  const x = [2, 9, 9, 8];
  const filterShape: [number, number, number, number] = [3, 3, 8, 5];
  const dy = convOutShape(x, filterShape, 1, "same");
  const inputs: KernelInputs = { x: { shape: x, values: randomValues(x, "x") }, dy: { shape: dy, values: randomValues(dy, "dy") } };
  const attrs = { strides: 1, pad: "same", dataFormat: "NHWC", filterShape };
  const a = runOn("wasm", "Conv2DBackpropFilter", inputs, attrs).values;
  const b = runOn("wasm", "Conv2DBackpropFilter", inputs, attrs).values;
  expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
});
