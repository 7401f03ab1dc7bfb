import { afterAll, beforeAll, expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs";
import { loadAddon } from "../../../lib/backend/native/addon.ts";
import { geometry } from "../../../lib/backend/native/kernels/util.ts";
import { TOLERANCE, expectMatchesCpu, expectOpMatchesCpu, notBuilt, randomValues, relativeError, restoreBackend, useNative, type Inputs } from "./harness.ts";
import { describeWith } from "../../support/requirements.ts";

// Every kernel the native backend computes in C++ is checked against tfjs's pure-JS cpu kernel
// of the same name on random NHWC shapes: strides 1 and 2, same/valid/explicit padding, dilation
// 1 and 2 where tfjs allows it, odd sizes, 1–40 channels. Tolerance: 1e-5 of the output's scale.

beforeAll(async () => {
  if (!notBuilt) await useNative();
});
afterAll(async () => {
  if (!notBuilt) await restoreBackend();
});

type Shape4 = [number, number, number, number];
type Pad = "same" | "valid" | number[][];
type ConvCase = { x: Shape4; k: [number, number]; out: number; s: number; pad: Pad; d: number };
const convCases: ConvCase[] = [
  { x: [2, 7, 9, 3], k: [3, 3], out: 5, s: 1, pad: "same", d: 1 },
  { x: [2, 9, 8, 3], k: [3, 3], out: 17, s: 2, pad: "same", d: 1 },
  { x: [1, 10, 7, 20], k: [5, 3], out: 33, s: 2, pad: "valid", d: 1 },
  { x: [1, 10, 7, 20], k: [3, 2], out: 7, s: 1, pad: [[0, 0], [1, 2], [0, 3], [0, 0]], d: 1 },
  { x: [3, 8, 8, 16], k: [1, 1], out: 40, s: 1, pad: "valid", d: 1 },
  { x: [2, 12, 13, 1], k: [3, 3], out: 16, s: 1, pad: "same", d: 1 },
  { x: [2, 31, 17, 7], k: [3, 3], out: 9, s: 2, pad: "valid", d: 1 },
  { x: [2, 16, 15, 2], k: [3, 3], out: 3, s: 2, pad: "same", d: 1 },
  { x: [2, 12, 13, 4], k: [3, 3], out: 6, s: 1, pad: "same", d: 2 },
  { x: [1, 11, 9, 5], k: [2, 3], out: 4, s: 1, pad: "valid", d: 2 },
];
const label = (c: ConvCase) => `x ${c.x.join("×")}, ${c.k.join("×")}→${c.out}, stride ${c.s}, ${Array.isArray(c.pad) ? "explicit" : c.pad}, dilation ${c.d}`;
const dyShape = (c: ConvCase, filter: Shape4, depthwise = false) =>
  tf.backend_util.computeConv2DInfo(c.x, filter, c.s, c.d, c.pad as "same", undefined, depthwise).outShape;

describeWith(["native addon"])("Conv2D / FusedConv2D (native) match the cpu kernels", () => {
  for (const c of convCases) {
    const filter: Shape4 = [c.k[0], c.k[1], c.x[3], c.out];
    const inputs: Inputs = { x: { shape: c.x, values: randomValues(c.x, "x") }, filter: { shape: filter, values: randomValues(filter, "w") } };
    const attrs = { strides: c.s, pad: c.pad, dataFormat: "NHWC", dilations: c.d };
    test(`Conv2D ${label(c)}`, () => {
      expectMatchesCpu("Conv2D", inputs, attrs);
    });
  }
  const c = convCases[1]!;
  const filter: Shape4 = [c.k[0], c.k[1], c.x[3], c.out];
  for (const activation of ["linear", "relu", "relu6", "leakyrelu", "sigmoid", "elu", "prelu"]) {
    test(`FusedConv2D with bias and ${activation} (${label(c)})`, () => {
      const inputs: Inputs = {
        x: { shape: c.x, values: randomValues(c.x, "x") },
        filter: { shape: filter, values: randomValues(filter, "w") },
        bias: { shape: [c.out], values: randomValues([c.out], "b") },
      };
      if (activation === "prelu") inputs.preluActivationWeights = { shape: [c.out], values: randomValues([c.out], "alpha") };
      expectMatchesCpu("FusedConv2D", inputs, { strides: c.s, pad: c.pad, dataFormat: "NHWC", dilations: 1, activation, leakyreluAlpha: 0.3 });
    });
  }
});

describeWith(["native addon"])("Conv2DBackpropInput / Conv2DBackpropFilter (native) match the cpu kernels", () => {
  // tfjs's gradient kernels take no dilation
  for (const c of convCases.filter((c) => c.d === 1)) {
    const filter: Shape4 = [c.k[0], c.k[1], c.x[3], c.out];
    const dy = dyShape(c, filter);
    test(`Conv2DBackpropInput ${label(c)}`, () => {
      expectMatchesCpu(
        "Conv2DBackpropInput",
        { dy: { shape: dy, values: randomValues(dy, "dy") }, filter: { shape: filter, values: randomValues(filter, "w") } },
        { strides: c.s, pad: c.pad, dataFormat: "NHWC", inputShape: c.x },
      );
    });
    test(`Conv2DBackpropFilter ${label(c)}`, () => {
      expectMatchesCpu(
        "Conv2DBackpropFilter",
        { x: { shape: c.x, values: randomValues(c.x, "x") }, dy: { shape: dy, values: randomValues(dy, "dy") } },
        { strides: c.s, pad: c.pad, dataFormat: "NHWC", filterShape: filter },
      );
    });
  }
});

type DwCase = { x: Shape4; k: number; s: number; pad: Pad; d: number };
const dwCases: DwCase[] = [
  { x: [2, 9, 8, 5], k: 3, s: 1, pad: "same", d: 1 },
  { x: [2, 9, 8, 16], k: 3, s: 2, pad: "same", d: 1 },
  { x: [1, 12, 11, 24], k: 5, s: 2, pad: "same", d: 1 },
  { x: [2, 10, 10, 9], k: 3, s: 1, pad: "valid", d: 2 },
  { x: [1, 7, 9, 3], k: 5, s: 1, pad: [[0, 0], [2, 1], [1, 2], [0, 0]], d: 1 },
  { x: [2, 13, 12, 40], k: 3, s: 2, pad: "valid", d: 1 },
];

describeWith(["native addon"])("depthwise convolution kernels (native) match the cpu kernels", () => {
  for (const c of dwCases) {
    const filter: Shape4 = [c.k, c.k, c.x[3], 1];
    const conv = { x: c.x, k: [c.k, c.k] as [number, number], out: c.x[3], s: c.s, pad: c.pad, d: c.d };
    const dy = dyShape(conv, filter, true);
    const name = `x ${c.x.join("×")}, ${c.k}×${c.k}, stride ${c.s}, ${Array.isArray(c.pad) ? "explicit" : c.pad}, dilation ${c.d}`;
    const attrs = { strides: c.s, pad: c.pad, dilations: c.d, dataFormat: "NHWC" };
    test(`DepthwiseConv2dNative ${name}`, () => {
      expectMatchesCpu("DepthwiseConv2dNative", { x: { shape: c.x, values: randomValues(c.x, "x") }, filter: { shape: filter, values: randomValues(filter, "w") } }, attrs);
    });
    test(`FusedDepthwiseConv2D with bias and relu6, ${name}`, () => {
      expectMatchesCpu(
        "FusedDepthwiseConv2D",
        {
          x: { shape: c.x, values: randomValues(c.x, "x") },
          filter: { shape: filter, values: randomValues(filter, "w") },
          bias: { shape: [c.x[3]], values: randomValues([c.x[3]], "b") },
        },
        { ...attrs, activation: "relu6" },
      );
    });
    // tfjs's depthwise gradients ignore dilation: dilated cases are checked by the adjoint test below
    if (c.d !== 1) continue;
    test(`DepthwiseConv2dNativeBackpropInput ${name}`, () => {
      expectMatchesCpu(
        "DepthwiseConv2dNativeBackpropInput",
        { dy: { shape: dy, values: randomValues(dy, "dy") }, filter: { shape: filter, values: randomValues(filter, "w") } },
        { ...attrs, inputShape: c.x },
      );
    });
    test(`DepthwiseConv2dNativeBackpropFilter ${name}`, () => {
      expectMatchesCpu(
        "DepthwiseConv2dNativeBackpropFilter",
        { x: { shape: c.x, values: randomValues(c.x, "x") }, dy: { shape: dy, values: randomValues(dy, "dy") } },
        { ...attrs, filterShape: filter },
      );
    });
  }
  test("DepthwiseConv2dNative with channel multiplier 2 (cpu fallback)", () => {
    const x: Shape4 = [1, 6, 7, 3], filter: Shape4 = [3, 3, 3, 2];
    expectMatchesCpu("DepthwiseConv2dNative", { x: { shape: x, values: randomValues(x, "x") }, filter: { shape: filter, values: randomValues(filter, "w") } },
      { strides: 1, pad: "same", dilations: 1 });
  });
});

describeWith(["native addon"])("dilated convolution gradients (native) are the adjoints of the forward kernels", () => {
  // For y = conv(x, w), linear in x and in w: Σ y·dy = Σ x·dx(dy) = Σ w·dw(x, dy). The forward
  // kernels match the cpu ones above; tfjs has no dilated gradient kernel to compare with (its
  // Conv2D gradient kernels take no dilation, so those are called through the addon).
  const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
    return s;
  };
  const cases: [depthwise: boolean, x: Shape4, w: Shape4, d: number, pad: "same" | "valid"][] = [
    [false, [2, 12, 13, 4], [3, 3, 4, 6], 2, "same"],
    [false, [1, 11, 9, 5], [2, 3, 5, 4], 2, "valid"],
    [true, [2, 10, 10, 9], [3, 3, 9, 1], 2, "valid"],
    [true, [1, 9, 12, 8], [3, 3, 8, 1], 3, "same"],
  ];
  for (const [depthwise, x, w, d, pad] of cases) {
    test(`${depthwise ? "depthwise" : "conv2d"} x ${x.join("×")}, filter ${w.join("×")}, dilation ${d}, ${pad}`, () => {
      const addon = loadAddon();
      const info = tf.backend_util.computeConv2DInfo(x, w, 1, d, pad, undefined, depthwise);
      const g = geometry(info);
      const xv = randomValues(x, "x"), wv = randomValues(w, "w"), dyv = randomValues(info.outShape, "dy");
      const y = new Float32Array(dyv.length), dx = new Float32Array(xv.length), dw = new Float32Array(wv.length);
      if (depthwise) {
        addon.depthwise(xv, wv, null, y, g, 0, 0);
        addon.depthwiseBackpropInput(dyv, wv, dx, g);
        addon.depthwiseBackpropFilter(xv, dyv, dw, g);
      } else {
        addon.conv2d(xv, wv, null, y, g, 0, 0);
        addon.conv2dBackpropInput(dyv, wv, dx, g);
        addon.conv2dBackpropFilter(xv, dyv, dw, g);
      }
      expectOpMatchesCpu(() => (depthwise ? tf.depthwiseConv2d(tf.tensor4d(xv, x), tf.tensor4d(wv, w), 1, pad, "NHWC", d) : tf.conv2d(tf.tensor4d(xv, x), tf.tensor4d(wv, w), 1, pad, "NHWC", d)));
      const reference = dot(y, dyv);
      expect(Math.abs(dot(xv, dx) - reference)).toBeLessThanOrEqual(1e-5 * Math.abs(reference));
      expect(Math.abs(dot(wv, dw) - reference)).toBeLessThanOrEqual(1e-5 * Math.abs(reference));
    });
  }
});

describeWith(["native addon"])("BatchMatMul / _FusedMatMul (native) match the cpu kernels", () => {
  const cases: [a: number[], b: number[], transposeA: boolean, transposeB: boolean][] = [
    [[1, 5, 7], [1, 7, 3], false, false],
    [[1, 7, 5], [1, 7, 3], true, false],
    [[1, 5, 7], [1, 3, 7], false, true],
    [[1, 9, 13], [1, 20, 9], true, true],
    [[3, 4, 6], [3, 6, 5], false, false],
    [[1, 4, 6], [3, 6, 5], false, false],
    [[3, 4, 6], [1, 6, 5], false, false],
    [[1, 33, 70], [1, 70, 17], false, false],
  ];
  for (const [a, b, transposeA, transposeB] of cases) {
    test(`BatchMatMul ${a.join("×")} · ${b.join("×")}${transposeA ? " (a transposed)" : ""}${transposeB ? " (b transposed)" : ""}`, () => {
      expectMatchesCpu("BatchMatMul", { a: { shape: a, values: randomValues(a, "a") }, b: { shape: b, values: randomValues(b, "b") } }, { transposeA, transposeB });
    });
  }
  for (const activation of ["linear", "relu", "sigmoid"]) {
    test(`_FusedMatMul with bias and ${activation}`, () => {
      expectMatchesCpu(
        "_FusedMatMul",
        { a: { shape: [1, 16, 64], values: randomValues([1, 16, 64], "a") }, b: { shape: [1, 64, 4], values: randomValues([1, 64, 4], "b") }, bias: { shape: [4], values: randomValues([4], "bias") } },
        { transposeA: false, transposeB: false, activation, leakyreluAlpha: 0.2 },
      );
    });
  }
});

describeWith(["native addon"])("FusedBatchNorm (native) matches the cpu kernel", () => {
  const x = [2, 5, 6, 7];
  const variance = Float32Array.from(randomValues([7], "v"), (v) => Math.abs(v) + 0.1);
  test("x 2×5×6×7 with per-channel mean, variance, offset and scale", () => {
    expectMatchesCpu("FusedBatchNorm", {
      x: { shape: x, values: randomValues(x, "x") }, mean: { shape: [7], values: randomValues([7], "m") }, variance: { shape: [7], values: variance },
      offset: { shape: [7], values: randomValues([7], "o") }, scale: { shape: [7], values: randomValues([7], "s") },
    }, { varianceEpsilon: 1e-3 });
  });
  test("x 2×5×6×7 with scalar mean and variance, no offset or scale", () => {
    expectMatchesCpu("FusedBatchNorm", { x: { shape: x, values: randomValues(x, "x") }, mean: { shape: [1], values: Float32Array.of(0.3) }, variance: { shape: [1], values: Float32Array.of(2) } },
      { varianceEpsilon: 1e-5 });
  });
});

describeWith(["native addon"])("binary element-wise kernels (native) match the cpu kernels, with broadcasting", () => {
  const pairs: [number[], number[]][] = [
    [[2, 3, 4, 5], [5]], [[2, 3, 4, 5], [2, 1, 1, 5]], [[2, 3, 4, 5], []], [[3, 1], [1, 4]], [[6, 7], [6, 7]], [[1, 1, 1, 5], [2, 3, 4, 5]],
    [[4, 1, 3], [4, 5, 1]],
  ];
  for (const name of ["Add", "Sub", "Multiply", "RealDiv", "SquaredDifference", "Maximum", "Minimum"]) {
    for (const [a, b] of pairs) {
      test(`${name} ${a.join("×") || "scalar"} with ${b.join("×") || "scalar"}`, () => {
        const bValues = randomValues(b, "b").map((v) => (name === "RealDiv" ? Math.sign(v || 1) * (Math.abs(v) + 0.5) : v));
        expectMatchesCpu(name, { a: { shape: a, values: randomValues(a, "a") }, b: { shape: b, values: bValues } });
      });
    }
  }
  test("Add of int32 tensors (cpu fallback) is exact", () => {
    const [out] = expectMatchesCpu("Add", { a: { shape: [3], values: Int32Array.of(1, 2, 3) }, b: { shape: [3], values: Int32Array.of(10, 20, 30) } });
    expect(Array.from(out!.values)).toEqual([11, 22, 33]);
  });
});

describeWith(["native addon"])("unary element-wise kernels (native) match the cpu kernels", () => {
  const shape = [3, 5, 7];
  const signed = randomValues(shape, "x").map((v) => v * 3);
  const positive = signed.map((v) => Math.abs(v) + 0.05);
  const extreme = Float32Array.of(-120, -90, -88, -20, -1e-3, 0, 1e-3, 20, 88, 89, 120, Number.NaN);
  for (const name of ["Relu", "Relu6", "Elu", "Sigmoid", "Neg", "Square", "Exp", "Abs", "Tanh", "Reciprocal"]) {
    test(`${name} of 3×5×7 normal values ×3`, () => {
      expectMatchesCpu(name, { x: { shape, values: name === "Reciprocal" ? positive : signed } });
    });
  }
  for (const name of ["Sqrt", "Rsqrt", "Log"]) {
    test(`${name} of 3×5×7 positive values`, () => {
      expectMatchesCpu(name, { x: { shape, values: positive } });
    });
  }
  test("LeakyRelu (alpha 0.1) and Step (alpha 0.5)", () => {
    expectMatchesCpu("LeakyRelu", { x: { shape, values: signed } }, { alpha: 0.1 });
    expectMatchesCpu("Step", { x: { shape, values: signed } }, { alpha: 0.5 });
  });
  test("Exp and Sigmoid at the ends of the float range: overflow to Infinity, underflow to 0, NaN kept", () => {
    const [exp] = expectOutputs("Exp", extreme);
    expect(exp![10]).toBe(Number.POSITIVE_INFINITY);
    expect(exp![0]).toBe(0);
    expect(Number.isNaN(exp![11])).toBe(true);
    const [sigmoid] = expectOutputs("Sigmoid", extreme);
    expect(sigmoid![0]).toBe(0);
    expect(sigmoid![10]).toBe(1);
  });
});

/** Runs a unary kernel on the extreme values on both backends; finite outputs must agree. */
function expectOutputs(name: string, values: Float32Array): Float32Array[] {
  const run = (backend: string) => {
    tf.setBackend(backend);
    const x = tf.tensor1d(values);
    const out = tf.engine().runKernel(name, { x }) as tf.Tensor;
    const result = out.dataSync().slice() as Float32Array;
    tf.dispose([x, out]);
    return result;
  };
  const native = run("native"), cpu = run("cpu");
  tf.setBackend("native");
  native.forEach((v, i) => {
    const ref = cpu[i]!;
    if (Number.isFinite(ref) && ref !== 0) expect(Math.abs(v - ref) / Math.abs(ref)).toBeLessThanOrEqual(1e-5);
    else if (Number.isNaN(ref)) expect(Number.isNaN(v)).toBe(true);
    else if (!Number.isFinite(ref)) expect(v).toBe(ref);
    else expect(Math.abs(v - ref)).toBeLessThanOrEqual(1e-37);
  });
  return [native];
}

describeWith(["native addon"])("Sum / Mean / Max / Min (native) match the cpu kernels", () => {
  const cases: [number[], number[], boolean][] = [
    [[4, 6, 5], [0], false], [[4, 6, 5], [1], true], [[4, 6, 5], [2], false], [[4, 6, 5], [0, 1], false], [[4, 6, 5], [1, 2], true],
    [[4, 6, 5], [0, 2], false], [[4, 6, 5], [0, 1, 2], false], [[3, 1, 7, 2], [1, 2], false], [[3, 40000], [1], false], [[20000, 3], [0], false],
  ];
  for (const name of ["Sum", "Mean", "Max", "Min"]) {
    for (const [shape, axis, keepDims] of cases) {
      test(`${name} of ${shape.join("×")} over axes [${axis.join(", ")}]${keepDims ? " (keepDims)" : ""}`, () => {
        // Max names its axes reductionIndices
        expectMatchesCpu(name, { x: { shape, values: randomValues(shape, "x") } }, name === "Max" ? { reductionIndices: axis, keepDims } : { axis, keepDims });
      });
    }
  }
});

describeWith(["native addon"])("MaxPool / MaxPoolGrad (native) match the cpu kernels, ties included", () => {
  // values 0, 1, 2 only: most windows hold ties, which must send the gradient to the same pixel
  const cases: [Shape4, number, number, Pad][] = [
    [[2, 8, 9, 5], 2, 2, "valid"], [[2, 9, 9, 16], 3, 2, "same"], [[1, 7, 6, 3], 3, 1, "same"], [[2, 11, 10, 9], 2, 2, "same"],
  ];
  for (const [x, size, s, pad] of cases) {
    const xValues = randomValues(x, "x").map((v) => Math.min(2, Math.max(0, Math.round(v + 1))));
    const attrs = { filterSize: size, strides: s, pad };
    test(`MaxPool x ${x.join("×")}, ${size}×${size}, stride ${s}, ${pad}`, () => {
      expectMatchesCpu("MaxPool", { x: { shape: x, values: xValues } }, attrs);
    });
    test(`MaxPoolGrad x ${x.join("×")}, ${size}×${size}, stride ${s}, ${pad}`, () => {
      const [y] = expectMatchesCpu("MaxPool", { x: { shape: x, values: xValues } }, attrs);
      expectMatchesCpu("MaxPoolGrad", {
        dy: { shape: y!.shape, values: randomValues(y!.shape, "dy") }, input: { shape: x, values: xValues }, output: y!,
      }, attrs);
    });
  }
});

describeWith(["native addon"])("fused training kernels (native) match tfjs's composite ops on cpu", () => {
  /** Output and gradients (input, then weights) of a training-mode layer call on `backend`, for a fixed dy. */
  function layerGrads(backend: string, make: () => tf.layers.Layer, shape: number[]): Float32Array[] {
    tf.setBackend(backend);
    const layer = make();
    const x = tf.tensor(randomValues(shape, "x").map((v) => 2 * v + 0.5), shape);
    const dy = tf.tensor(randomValues(shape, "dy"), shape);
    const loss = (input: tf.Tensor) => tf.sum(tf.mul(layer.apply(input, { training: true }) as tf.Tensor, dy)) as tf.Scalar;
    const y = layer.apply(x, { training: true }) as tf.Tensor;
    const dx = tf.grad(loss)(x);
    const weights = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const grads = [dx];
    if (weights.length > 0) {
      const { value, grads: named } = tf.variableGrads(() => loss(x), weights);
      grads.push(...weights.map((w) => named[w.name]!));
      value.dispose();
    }
    const out = [y, ...grads].map((t) => t.dataSync().slice() as Float32Array);
    tf.dispose([x, dy, y, ...grads]);
    tf.setBackend("native");
    return out;
  }
  const cases: [string, () => tf.layers.Layer, number[]][] = [
    ["batchNormalization (training mode): output, dx, dgamma, dbeta", () => tf.layers.batchNormalization({ axis: -1, epsilon: 1e-5 }), [4, 7, 6, 9]],
    ["swish activation: output and dx", () => tf.layers.activation({ activation: "swish" }), [3, 5, 7, 11]],
  ];
  for (const [name, make, shape] of cases) {
    test(name, () => {
      const native = layerGrads("native", make, shape);
      const cpu = layerGrads("cpu", make, shape);
      expect(native).toHaveLength(cpu.length);
      native.forEach((values, i) => expect(relativeError(values, cpu[i]!)).toBeLessThanOrEqual(TOLERANCE));
    });
  }
});

describeWith(["native addon"])("ops through tfjs's own argument handling (native) match cpu", () => {
  test("tf.conv2d with dilation 2 and tf.depthwiseConv2d with stride 2", () => {
    const x = randomValues([1, 9, 10, 4], "x"), w = randomValues([3, 3, 4, 5], "w"), dw = randomValues([3, 3, 4, 1], "dw");
    expectOpMatchesCpu(() => tf.conv2d(tf.tensor4d(x, [1, 9, 10, 4]), tf.tensor4d(w, [3, 3, 4, 5]), 1, "same", "NHWC", 2));
    expectOpMatchesCpu(() => tf.depthwiseConv2d(tf.tensor4d(x, [1, 9, 10, 4]), tf.tensor4d(dw, [3, 3, 4, 1]), 2, "same"));
  });
  test("tf.matMul of 2-D matrices and tf.mean of a 4-D tensor over its spatial axes", () => {
    expectOpMatchesCpu(() => tf.matMul(tf.tensor2d(randomValues([6, 8], "a"), [6, 8]), tf.tensor2d(randomValues([8, 3], "b"), [8, 3])));
    expectOpMatchesCpu(() => tf.mean(tf.tensor4d(randomValues([2, 5, 6, 3], "x"), [2, 5, 6, 3]), [1, 2]));
  });
});

