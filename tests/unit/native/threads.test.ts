import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { ADDON_PATH, nativeThreads } from "../../../lib/backend/native/index.ts";
import { convOutShape, randomValues, runKernel, useNativeInFile, type Inputs, type Output } from "./harness.ts";
import { describeWith } from "../../support/requirements.ts";

// The native kernels split their outputs (and long sums, in chunks) into tasks whose bounds
// depend on the shapes only, so any number of threads gives the same bits. Shapes here are big
// enough to make many tasks and several summation chunks.

useNativeInFile();

function bits(outputs: Output[]): Buffer[] {
  return outputs.map((o) => Buffer.from(o.values.buffer, o.values.byteOffset, o.values.byteLength));
}

/** Runs the kernel with 1 thread, then with 2: the outputs must be the same bytes. */
function expectSameBits(name: string, inputs: Inputs, attrs: Record<string, unknown> = {}): void {
  nativeThreads(1);
  const one = bits(runKernel("native", name, inputs, attrs));
  nativeThreads(2);
  const two = bits(runKernel("native", name, inputs, attrs));
  expect(two.length).toBe(one.length);
  two.forEach((b, i) => expect(b.equals(one[i]!)).toBe(true));
}

const x: [number, number, number, number] = [4, 40, 40, 8];
const filter: [number, number, number, number] = [3, 3, 8, 24];
const dwFilter: [number, number, number, number] = [3, 3, 32, 1];
const xDw: [number, number, number, number] = [4, 40, 40, 32];
const val = (shape: number[], purpose: string) => ({ shape, values: randomValues(shape, purpose) });

describeWith(["native addon"])("native kernels give bit-identical outputs with 1 and 2 threads", () => {
  const conv = { strides: 1, pad: "same", dataFormat: "NHWC", dilations: 1 };
  const dy = convOutShape(x, filter, 1, "same");
  test("Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter (5 summation groups) on 4×40×40×8 → 24 channels", () => {
    expectSameBits("Conv2D", { x: val(x, "x"), filter: val(filter, "w") }, conv);
    expectSameBits("Conv2DBackpropInput", { dy: val(dy, "dy"), filter: val(filter, "w") }, { ...conv, inputShape: x });
    expectSameBits("Conv2DBackpropFilter", { x: val(x, "x"), dy: val(dy, "dy") }, { ...conv, filterShape: filter });
  });
  test("depthwise convolution and both its gradients on 4×40×40×32", () => {
    const dyDw = convOutShape(xDw, dwFilter, 2, "same", true);
    const dw = { strides: 2, pad: "same", dilations: 1 };
    expectSameBits("DepthwiseConv2dNative", { x: val(xDw, "x"), filter: val(dwFilter, "w") }, dw);
    expectSameBits("DepthwiseConv2dNativeBackpropInput", { dy: val(dyDw, "dy"), filter: val(dwFilter, "w") }, { ...dw, inputShape: xDw });
    expectSameBits("DepthwiseConv2dNativeBackpropFilter", { x: val(xDw, "x"), dy: val(dyDw, "dy") }, { ...dw, filterShape: dwFilter });
  });
  test("Sum over the batch and spatial axes (7 chunks), Mean over the spatial axes, Max over the batch", () => {
    expectSameBits("Sum", { x: val(xDw, "x") }, { axis: [0, 1, 2], keepDims: false });
    expectSameBits("Mean", { x: val(xDw, "x") }, { axis: [1, 2], keepDims: true });
    expectSameBits("Max", { x: val(xDw, "x") }, { reductionIndices: [0], keepDims: false });
  });
  test("training-mode batch norm (statistics, normalisation, gradient) on 4×40×40×32", () => {
    const c = xDw[3];
    expectSameBits("MammoNativeBatchNormTrain", { x: val(xDw, "x"), scale: val([c], "s"), offset: val([c], "o") }, { epsilon: 1e-5 });
    expectSameBits("MammoNativeBatchNormTrainGrad", {
      dy: val(xDw, "dy"), x: val(xDw, "x"), scale: val([c], "s"), mean: val([c], "m"),
      variance: { shape: [c], values: randomValues([c], "v").map((v) => Math.abs(v) + 0.5) },
    }, { epsilon: 1e-5 });
  });
  test("BatchMatMul 1×300×200 · 1×200×150, MaxPoolGrad 2×2/2 and a broadcast Multiply", () => {
    expectSameBits("BatchMatMul", { a: val([1, 300, 200], "a"), b: val([1, 200, 150], "b") }, { transposeA: false, transposeB: false });
    const pool = { filterSize: 2, strides: 2, pad: "valid" };
    const [y] = runKernel("native", "MaxPool", { x: val(xDw, "x") }, pool);
    expectSameBits("MaxPoolGrad", { dy: val(y!.shape, "dy"), input: val(xDw, "x"), output: y! }, pool);
    expectSameBits("Multiply", { a: val(xDw, "a"), b: val([4, 1, 1, 32], "b") });
  });
});

describeWith(["native addon"])("MAMMO_NATIVE_THREADS", () => {
  test("MAMMO_NATIVE_THREADS=1 starts the addon's pool with one thread", () => {
    const run = spawnSync(process.execPath, ["-e", `console.log(require(${JSON.stringify(ADDON_PATH)}).threads())`], {
      encoding: "utf8",
      env: { ...process.env, MAMMO_NATIVE_THREADS: "1" },
    });
    expect(run.stdout.trim()).toBe("1");
  });

  test("MAMMO_NATIVE_THREADS out of [1, 256]: loading the addon is a TaskError (exit 2) naming the value; the addon alone warns and uses the hardware's count", () => {
    const load = `import { loadAddon } from ${JSON.stringify(new URL("../../../lib/backend/native/addon.ts", import.meta.url).pathname)};
      try { loadAddon(); console.log("loaded"); } catch (e) { console.log(JSON.stringify({ exitCode: e.exitCode, message: e.message })); }`;
    for (const value of ["0", "300", "1e9", "four"]) {
      const run = spawnSync(process.execPath, ["-e", load], { encoding: "utf8", env: { ...process.env, MAMMO_NATIVE_THREADS: value } });
      expect(JSON.parse(run.stdout.trim())).toEqual({ exitCode: 2, message: `MAMMO_NATIVE_THREADS="${value}" is not a whole number in [1, 256]` });
    }
    const raw = spawnSync(process.execPath, ["-e", `console.log(require(${JSON.stringify(ADDON_PATH)}).threads())`], {
      encoding: "utf8",
      env: { ...process.env, MAMMO_NATIVE_THREADS: "100000" },
    });
    expect(raw.stderr).toContain("mammo native: MAMMO_NATIVE_THREADS=100000 is not in [1, 256]; using the hardware's count");
    expect(Number(raw.stdout.trim())).toBe(Math.min(navigator.hardwareConcurrency, 256));
  });
});
