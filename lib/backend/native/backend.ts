import type * as tfjs from "@tensorflow/tfjs";
import type { BackendValues, DataId, DataType } from "@tensorflow/tfjs";
import { MathBackendCPU, version_cpu } from "@tensorflow/tfjs-backend-cpu";
import { usageError } from "../../errors/index.ts";
import { ADDON_PATH, loadAddon, type NativeAddon } from "./addon.ts";
import { adamwKernelConfig } from "./adamw.ts";
import { BufferPool } from "./buffer-pool.ts";
import { nativeKernelConfigs } from "./kernels/index.ts";
import { gradientKernelConfigs } from "./gradients.ts";
import { fusedLayerKernelConfigs } from "./layers.ts";
import { installNativePatches } from "./patches.ts";
import { assertPatchableTfjs } from "./tfjs-version.ts";

type TF = typeof tfjs;

/**
 * The "native" tfjs backend: the cpu backend's tensor storage (plain TypedArrays, which the
 * addon reads and writes in place) with the hot kernels replaced by the project's C++ ones.
 */
export class NativeBackend extends MathBackendCPU {
  /** Free buffers kept for reuse: MAMMO_NATIVE_POOL_MB (MiB), default 16 GiB (buffer-pool.ts). */
  private readonly pool = new BufferPool(poolBytes(process.env.MAMMO_NATIVE_POOL_MB));

  constructor(readonly addon: NativeAddon) {
    super();
  }

  /** An output buffer of `length` floats for a native kernel (recycled: contents undefined). */
  alloc(length: number): Float32Array {
    return this.pool.take(length);
  }

  override write(values: BackendValues, shape: number[], dtype: DataType): DataId {
    this.pool.stored(values);
    return super.write(values, shape, dtype);
  }

  override move(dataId: DataId, values: BackendValues, shape: number[], dtype: DataType, refCount: number): void {
    this.pool.stored(values);
    super.move(dataId, values, shape, dtype, refCount);
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const values = this.data.get(dataId)?.values;
    const released = super.disposeData(dataId, force);
    if (released && values !== undefined && !this.data.has(dataId)) this.pool.released(values);
    return released;
  }

  /** Drops the recycled buffers the last step did not reuse (called after each backward pass). */
  trimPool(): void {
    this.pool.trim();
  }

  override readSync(dataId: DataId): BackendValues {
    const values = super.readSync(dataId);
    // a pooled buffer is reused once its tensor is disposed: the caller gets its own copy
    return this.pool.owns(values) ? values.slice() : values;
  }

  /**
   * tf.profile's per-kernel time. With MAMMO_NATIVE_PROFILE=cpu it is the CPU time of the whole
   * process (every thread of the kernel pool) instead of wall time: on a machine shared with
   * other work, wall time measures the others as much as the kernel.
   */
  override async time(f: () => void): ReturnType<MathBackendCPU["time"]> {
    if (process.env.MAMMO_NATIVE_PROFILE !== "cpu") return super.time(f);
    const start = process.cpuUsage();
    f();
    const used = process.cpuUsage(start);
    return { kernelMs: (used.user + used.system) / 1000 };
  }

  override dispose(): void {
    this.pool.clear();
    super.dispose();
  }
}

/** The pool's cap in bytes from MAMMO_NATIVE_POOL_MB (undefined: the pool's default). */
function poolBytes(mb: string | undefined): number | undefined {
  if (mb === undefined || mb === "") return undefined;
  const value = Number(mb);
  if (!(Number.isFinite(value) && value >= 0)) throw usageError("bad_env", `MAMMO_NATIVE_POOL_MB: expected a number of MiB ≥ 0, got ${mb}`);
  return value * 2 ** 20;
}

/**
 * Registers the "native" backend with `tf` (priority 0: it is used only when asked for):
 * every cpu kernel under the name "native", then the project's native kernels over them, the
 * fused batch-norm/swish kernels (layers.ts), the one-pass Mean gradient's kernel (gradients.ts)
 * and the AdamW kernel (adamw.ts). Call before `tf.setBackend("native")`, which creates the
 * backend and only then installs the patches of tfjs-layers and the Mean gradient (patches.ts;
 * uninstallNativePatches removes them). Idempotent. Throws a TaskError when the addon is not
 * built (`backend_unavailable`), does not load, is out of date, or tfjs is not the version the
 * patches were written for (`backend_load_failed`).
 */
export async function registerNativeBackend(tf: TF): Promise<void> {
  assertPatchableTfjs({ layers: tf.version_layers, core: tf.version_core });
  const addon = loadAddon();
  if (tf.findBackendFactory("native") === null) {
    tf.registerBackend("native", () => {
      const backend = new NativeBackend(addon);
      installNativePatches(tf);
      return backend;
    }, 0);
  }
  for (const config of tf.getKernelsForBackend("cpu")) {
    if (tf.getKernel(config.kernelName, "native") === undefined) tf.registerKernel({ ...config, backendName: "native" });
  }
  for (const config of [...nativeKernelConfigs, ...fusedLayerKernelConfigs, ...gradientKernelConfigs, adamwKernelConfig]) {
    const current = tf.getKernel(config.kernelName, "native");
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current !== undefined) tf.unregisterKernel(config.kernelName, "native");
    tf.registerKernel(config);
  }
}

/** What summary.json should record about the native backend (fingerprints depend on it). */
export function nativeDetails(): Record<string, string> {
  const addon = loadAddon();
  return {
    package: "mammo-native (native/)",
    binary: ADDON_PATH,
    isa: addon.isa(),
    threads: String(addon.threads()),
    fallback: `@tensorflow/tfjs-backend-cpu ${version_cpu}`,
    nativeKernels: nativeKernelConfigs.map((c) => c.kernelName).join(","),
  };
}

/** Threads of the native kernels' pool; with n ≥ 1, resizes it first. Results do not depend on it. */
export function nativeThreads(n?: number): number {
  const addon = loadAddon();
  return n === undefined ? addon.threads() : addon.threads(n);
}
