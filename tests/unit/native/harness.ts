// Shared by the native backend tests: run a kernel by name on "native" and on "cpu", compare.
import { afterAll, beforeAll, expect } from "bun:test";
import * as tf from "@tensorflow/tfjs";
import { nativeBuilt, nativeThreads, registerNativeBackend } from "../../../lib/backend/native/index.ts";
import { relativeError } from "../backend/kernel-harness.ts";

export { convOutShape, randomValues, relativeError } from "../backend/kernel-harness.ts";

/** Tolerance of every native kernel against the cpu kernel: 1e-5 of the output's scale. */
export const TOLERANCE = 1e-5;

/** Skips a file's tests only where the addon could not be built (no compiler at install). */
export const notBuilt = !nativeBuilt();

let previousBackend: string | undefined;

/** Registers the native backend and makes it current (call in beforeAll; restoreBackend in afterAll). */
export async function useNative(): Promise<void> {
  previousBackend = tf.getBackend();
  await registerNativeBackend(tf);
  tf.enableProdMode();
  if (!(await tf.setBackend("native")) || tf.getBackend() !== "native") throw new Error("the native backend did not start");
}

/**
 * For a test file whose tests run on the native backend and may change its thread count: native
 * from the first test on (beforeAll), then, after the last, the thread count and the backend it
 * found (afterAll). Nothing where the addon is not built.
 */
export function useNativeInFile(): void {
  let initialThreads = 1;
  beforeAll(async () => {
    if (notBuilt) return;
    await useNative();
    initialThreads = nativeThreads();
  });
  afterAll(async () => {
    if (notBuilt) return;
    nativeThreads(initialThreads);
    await restoreBackend();
  });
}

/** Goes back to the backend that was in use before useNative, for the test files that run after. */
export async function restoreBackend(): Promise<void> {
  if (previousBackend !== undefined && previousBackend !== "native") await tf.setBackend(previousBackend);
}

export type Inputs = Record<string, { shape: number[]; values: Float32Array | Int32Array }>;
export interface Output {
  shape: number[];
  values: Float32Array | Int32Array;
}

/** Runs kernel `name` on `backend` with fresh input tensors; returns every output. */
export function runKernel(backend: string, name: string, inputs: Inputs, attrs: Record<string, unknown> = {}): Output[] {
  tf.setBackend(backend);
  const tensors: Record<string, tf.Tensor> = {};
  for (const [key, input] of Object.entries(inputs)) tensors[key] = tf.tensor(input.values, input.shape, input.values instanceof Int32Array ? "int32" : "float32");
  const result = tf.engine().runKernel(name, tensors, attrs as never) as tf.Tensor | tf.Tensor[];
  const outs = Array.isArray(result) ? result : [result];
  const values = outs.map((t) => ({ shape: t.shape, values: t.dataSync().slice() as Float32Array | Int32Array }));
  tf.dispose([...outs, ...Object.values(tensors)]);
  tf.setBackend("native");
  return values;
}

/** Kernel `name` on native and on cpu: same shapes, values within TOLERANCE; returns the native outputs. */
export function expectMatchesCpu(name: string, inputs: Inputs, attrs: Record<string, unknown> = {}): Output[] {
  const native = runKernel("native", name, inputs, attrs);
  const cpu = runKernel("cpu", name, inputs, attrs);
  expect(native.length).toBe(cpu.length);
  native.forEach((out, i) => {
    expect(out.shape).toEqual(cpu[i]!.shape);
    expect(relativeError(out.values, cpu[i]!.values)).toBeLessThanOrEqual(TOLERANCE);
  });
  return native;
}

/** Same, through a tfjs op instead of a kernel name (for ops whose attrs tfjs derives). */
export function expectOpMatchesCpu(op: () => tf.Tensor): void {
  const run = (backend: string) => {
    tf.setBackend(backend);
    const out = op();
    const values = { shape: out.shape, values: out.dataSync().slice() };
    out.dispose();
    return values;
  };
  const native = run("native");
  const cpu = run("cpu");
  tf.setBackend("native");
  expect(native.shape).toEqual(cpu.shape);
  expect(relativeError(native.values, cpu.values)).toBeLessThanOrEqual(TOLERANCE);
}
