import type { DataType, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from "@tensorflow/tfjs";
import { webgpu_util } from "@tensorflow/tfjs-backend-webgpu";
import type { MammoWebGPUBackend } from "../backend.ts";

/** The arguments tfjs passes a kernel function on the webgpu backend. */
export interface WebGPUKernelArgs {
  inputs: NamedTensorInfoMap;
  backend: MammoWebGPUBackend;
  attrs?: NamedAttrMap;
}

/** A program's own uniforms: name → WGSL scalar type. */
export type UniformTypes = Record<string, "f32" | "i32">;

/** What flatProgram needs. */
export interface ProgramSpec<U extends UniformTypes> {
  /** Names the compiled shader in tfjs's pipeline cache (with the input ranks and dtypes tfjs adds). */
  key: string;
  /** Input names: the WGSL arrays the body reads, in the order of the tensors passed to run. */
  inputs: string[];
  outputShape: number[];
  /** Threads to start (default: one per output element); the body sees `uniforms.threads`. */
  threads?: number;
  uniforms?: U;
  /** The WGSL of the body of `fn main(index : i32)`, run for index < threads; it writes `result[…]`. */
  body: string;
}

/**
 * A compute program in tfjs-backend-webgpu's format, flat (64 threads a workgroup): tfjs adds the
 * bindings (inputs as `array<f32>` named after `inputs`, the output `result`), the uniform
 * block, compiles the shader once per key and caches the pipeline.
 */
export function flatProgram<U extends UniformTypes>(spec: ProgramSpec<U>) {
  const workgroupSize: [number, number, number] = [64, 1, 1];
  const threads = spec.threads ?? spec.outputShape.reduce((p, d) => p * d, 1);
  const dispatchLayout = webgpu_util.flatDispatchLayout([threads]);
  const own = Object.entries(spec.uniforms ?? {});
  return {
    variableNames: spec.inputs,
    outputShape: spec.outputShape,
    shaderKey: spec.key,
    dispatchLayout,
    dispatch: webgpu_util.computeDispatch(dispatchLayout, [threads], workgroupSize),
    workgroupSize,
    uniforms: `threads : i32, ${own.map(([name, type]) => `${name} : ${type},`).join(" ")}`,
    threads,
    own,
    getUserCode: () => `
      fn main(index : i32) {
        if (index >= uniforms.threads) { return; }
        ${spec.body}
      }`,
  };
}

/** Runs a program made by flatProgram on `inputs` with its uniforms' values; the output is a new tensor of `dtype`. */
export function run(
  backend: MammoWebGPUBackend,
  program: ReturnType<typeof flatProgram>,
  inputs: TensorInfo[],
  values: Record<string, number> = {},
  dtype: DataType = "float32",
): TensorInfo {
  const uniforms = [
    { type: "int32", data: [program.threads] },
    ...program.own.map(([name, type]) => {
      const value = values[name];
      if (value === undefined) throw new Error(`${program.shaderKey}: no value for uniform ${name}`);
      return { type: type === "f32" ? "float32" : "int32", data: [value] };
    }),
  ];
  // tfjs's program and uniform types are internal (not exported); these objects have every field it reads.
  type Run = MammoWebGPUBackend["runWebGPUProgram"];
  return backend.runWebGPUProgram(program as unknown as Parameters<Run>[0], inputs, dtype, uniforms as Parameters<Run>[3]);
}

/** A float32 input of a project kernel, or an error naming the kernel and the input. */
export function floatInput(kernel: string, args: WebGPUKernelArgs, name: string): TensorInfo {
  const t = args.inputs[name];
  if (t === undefined || t.dtype !== "float32") throw new Error(`${kernel}: input ${name} must be a float32 tensor (got ${t?.dtype ?? "none"})`);
  return t;
}

/** `t` with another shape of the same size: the same data, as tfjs's own Reshape hands it back (no copy). */
export function reshaped(t: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: t.dataId, dtype: t.dtype, shape };
}
