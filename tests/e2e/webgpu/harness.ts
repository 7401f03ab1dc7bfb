// Shared by the webgpu tests: the adapter (Mesa's lavapipe in CI), kernels run by name on
// "webgpu" and on "cpu" and compared, reads asynchronous (Dawn has no synchronous read).
import { describe, expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../../lib/backend/index.ts";
import { TaskError } from "../../../lib/errors/index.ts";
import { recordDevice } from "../../../lib/provenance/index.ts";
import { IN_CI } from "../../support/requirements.ts";
import { findAdapter, webgpuBackend, type FoundAdapter } from "../../../lib/backend/webgpu/register.ts";
import type { MammoWebGPUBackend } from "../../../lib/backend/webgpu/backend.ts";

export { randomValues, relativeError } from "../../unit/backend/kernel-harness.ts";
import { relativeError } from "../../unit/backend/kernel-harness.ts";

/** Tolerance of every webgpu kernel against the cpu kernel: 1e-4 of the output's scale (issue 16). */
export const TOLERANCE = 1e-4;

async function probe(): Promise<FoundAdapter | null> {
  try {
    return await findAdapter();
  } catch (err) {
    if (err instanceof TaskError && err.exitCode === 2) return null;
    throw err;
  }
}

/**
 * The WebGPU adapter of this machine. Without any (no Vulkan driver at all, not even lavapipe:
 * `.ci/run` installs it) the webgpu tests are skipped, as the native ones are without a compiler.
 */
export const found = await probe();
export const noAdapter = found === null;

/**
 * `describe` for the webgpu tests, by the project's requirement policy (tests/support/requirements.ts):
 * with an adapter, itself; without one, in CI (which installs lavapipe) a failing test naming
 * what is missing, elsewhere `describe.skip` after one line saying how to get an adapter.
 */
export const describeWebGPU: typeof describe = (() => {
  if (!noAdapter) return describe;
  const how = "a WebGPU adapter (no GPU: apt-get install -t bookworm-backports mesa-vulkan-drivers)";
  if (IN_CI) {
    test(`requirement present in CI: ${how}`, () => {
      throw new Error(`missing in CI: ${how}`);
    });
    return describe;
  }
  process.stderr.write(`skipping the webgpu tests, which need ${how}\n`);
  return describe.skip as unknown as typeof describe;
})();

let previousBackend: string | undefined;

/** Makes webgpu the backend in use (beforeAll); restoreBackend (afterAll) goes back. */
export async function useWebGPU(): Promise<MammoWebGPUBackend> {
  previousBackend ??= tf.getBackend();
  await initBackend("webgpu");
  const backend = webgpuBackend(tf);
  if (backend === null) throw new Error("the webgpu backend did not start");
  return backend;
}

/** Goes back to the backend in use before useWebGPU, for the test files that run after. */
export async function restoreBackend(): Promise<void> {
  if (previousBackend !== undefined && previousBackend !== "webgpu") await tf.setBackend(previousBackend);
  // artifacts the next test files write are not made on the GPU
  recordDevice(null);
}

export type Inputs = Record<string, { shape: number[]; values: Float32Array | Int32Array; dtype?: "bool" }>;
export interface Output {
  shape: number[];
  dtype: string;
  values: Float32Array | Int32Array | Uint8Array;
}

/** Runs kernel `name` on `backend` with fresh input tensors; returns every output (read asynchronously). */
export async function runKernel(backend: string, name: string, inputs: Inputs, attrs: Record<string, unknown> = {}): Promise<Output[]> {
  const before = tf.getBackend();
  await tf.setBackend(backend);
  const tensors: Record<string, tf.Tensor> = {};
  for (const [key, input] of Object.entries(inputs)) tensors[key] = tf.tensor(input.values, input.shape, input.dtype ?? (input.values instanceof Int32Array ? "int32" : "float32"));
  // kernels of a list of tensors (Pack, Concat, AddN) take an array: inputs keyed "0", "1", …
  const keys = Object.keys(tensors);
  const passed = keys.length > 0 && keys.every((k, i) => k === String(i)) ? Object.values(tensors) : tensors;
  const result = tf.engine().runKernel(name, passed as never, attrs as never) as tf.Tensor | tf.Tensor[];
  const outs = Array.isArray(result) ? result : [result];
  const values: Output[] = [];
  for (const t of outs) values.push({ shape: t.shape, dtype: t.dtype, values: (await t.data()).slice() as Output["values"] });
  tf.dispose([...outs, ...Object.values(tensors)]);
  await tf.setBackend(before);
  return values;
}

/** Kernel `name` on webgpu and on cpu: same shapes and dtypes, values within TOLERANCE; returns the webgpu outputs. */
export async function expectMatchesCpu(name: string, inputs: Inputs, attrs: Record<string, unknown> = {}, tolerance = TOLERANCE): Promise<Output[]> {
  const gpu = await runKernel("webgpu", name, inputs, attrs);
  const cpu = await runKernel("cpu", name, inputs, attrs);
  expect(gpu.length).toBe(cpu.length);
  gpu.forEach((out, i) => {
    expect(out.shape).toEqual(cpu[i]!.shape);
    expect(out.dtype).toBe(cpu[i]!.dtype);
    expect(relativeError(out.values, cpu[i]!.values)).toBeLessThanOrEqual(tolerance);
  });
  return gpu;
}

/** Same, through a function of tfjs ops (for ops whose attrs tfjs derives, and op sequences). */
export async function expectOpMatchesCpu(op: () => tf.Tensor, tolerance = TOLERANCE): Promise<void> {
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    const out = op();
    const values = { shape: out.shape, values: (await out.data()).slice() };
    out.dispose();
    return values;
  };
  const gpu = await run("webgpu");
  const cpu = await run("cpu");
  await tf.setBackend("webgpu");
  expect(gpu.shape).toEqual(cpu.shape);
  expect(relativeError(gpu.values, cpu.values)).toBeLessThanOrEqual(tolerance);
}
