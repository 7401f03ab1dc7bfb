import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { TaskError, errorMessage, usageError } from "../../errors/index.ts";

/**
 * The compiled addon: where `npm ci` (native/build.mjs → node-gyp) puts it, or the file
 * MAMMO_NATIVE_ADDON names (the sanitizer build: native/build-sanitize/build/Release/mammo_native.node,
 * loaded with the ASan runtime preloaded; native/README.md).
 */
export const ADDON_PATH = process.env.MAMMO_NATIVE_ADDON
  ? resolve(process.env.MAMMO_NATIVE_ADDON)
  : fileURLToPath(new URL("../../../native/build/Release/mammo_native.node", import.meta.url));

/** Most threads the addon's pool accepts (native/src/pool.h's kMaxThreads). */
export const MAX_THREADS = 256;

/** The addon's function set this code expects (native/src/addon.cc's kApiVersion). */
const API_VERSION = 1;

/** A convolution's shapes as 15 integers (tfjs's Conv2DInfo): see geometry() in kernels/util.ts. */
export type Geometry = Int32Array;

/**
 * The addon's functions (native/src/addon.cc). Each reads Float32Arrays in place and writes into
 * a preallocated output. Each also checks its arguments (every length against the shapes it is
 * given, sizes ≥ 1, codes in range) and throws a RangeError/TypeError naming itself and the
 * shape (`native conv2d: input length 100 does not match 1×8×8×3 = 192`) instead of running.
 */
export interface NativeAddon {
  /** Version of the function set, API_VERSION when the build matches this code. */
  apiVersion(): number;
  /** Instruction set compiled in: "avx512", "avx2-fma", "avx" or "portable-4". */
  isa(): string;
  /** Threads of the kernel pool; with n (1 … MAX_THREADS), resizes it first (MAMMO_NATIVE_THREADS sets the initial size). */
  threads(n?: number): number;
  matmul(a: Float32Array, b: Float32Array, out: Float32Array, batch: number, m: number, n: number, k: number, transA: number, transB: number,
    strideA: number, strideB: number, bias: Float32Array | null, activation: number, alpha: number): void;
  conv2d(x: Float32Array, filter: Float32Array, bias: Float32Array | null, out: Float32Array, g: Geometry, activation: number, alpha: number): void;
  conv2dBackpropInput(dy: Float32Array, filter: Float32Array, dx: Float32Array, g: Geometry): void;
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dfilter: Float32Array, g: Geometry): void;
  depthwise(x: Float32Array, filter: Float32Array, bias: Float32Array | null, out: Float32Array, g: Geometry, activation: number, alpha: number): void;
  depthwiseBackpropInput(dy: Float32Array, filter: Float32Array, dx: Float32Array, g: Geometry): void;
  depthwiseBackpropFilter(x: Float32Array, dy: Float32Array, dfilter: Float32Array, g: Geometry): void;
  maxPool(x: Float32Array, out: Float32Array, g: Geometry): void;
  maxPoolGrad(dy: Float32Array, x: Float32Array, dx: Float32Array, g: Geometry): void;
  binary(op: number, a: Float32Array, b: Float32Array, out: Float32Array, outShape: Int32Array, aStrides: Int32Array, bStrides: Int32Array): void;
  unary(op: number, x: Float32Array, out: Float32Array, alpha: number): void;
  swishGrad(x: Float32Array, dy: Float32Array, dx: Float32Array): void;
  reduce(op: number, x: Float32Array, out: Float32Array, a: number, r: number, c: number): void;
  batchNorm(x: Float32Array, mean: Float32Array, variance: Float32Array, offset: Float32Array | null, scale: Float32Array | null, epsilon: number,
    out: Float32Array, channels: number): void;
  batchNormStats(x: Float32Array, channels: number, mean: Float32Array, variance: Float32Array): void;
  adamw(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, wOut: Float32Array, mOut: Float32Array, vOut: Float32Array,
    beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, decay: number, sqrtBiasCorrection2: number, epsilon: number,
    stepSize: number): void;
  batchNormTrainGrad(dy: Float32Array, x: Float32Array, mean: Float32Array, variance: Float32Array, scale: Float32Array | null, epsilon: number,
    channels: number, dx: Float32Array, dscale: Float32Array, doffset: Float32Array): void;
}

let loaded: { addon: NativeAddon } | { error: TaskError } | undefined;

/**
 * The compiled addon, loaded once. Throws a TaskError: `backend_unavailable` when it was not
 * built (no compiler at install time), `backend_load_failed` when it exists but does not load.
 */
export function loadAddon(): NativeAddon {
  if (loaded === undefined) loaded = tryLoad();
  if ("error" in loaded) throw loaded.error;
  return loaded.addon;
}

/** Whether the native kernels were built and load in this runtime. */
export function nativeBuilt(): boolean {
  if (loaded === undefined) loaded = tryLoad();
  return "addon" in loaded;
}

/**
 * MAMMO_NATIVE_THREADS, when set, is a whole number of threads the pool accepts; otherwise the
 * addon does not load (`backend_load_failed`: `--backend auto` warns and moves on, as for a broken build).
 */
function threadsEnvError(): TaskError | undefined {
  const value = process.env.MAMMO_NATIVE_THREADS;
  if (value === undefined || (/^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= MAX_THREADS)) return undefined;
  return usageError("backend_load_failed", `MAMMO_NATIVE_THREADS=${JSON.stringify(value)} is not a whole number in [1, ${MAX_THREADS}]`);
}

function tryLoad(): { addon: NativeAddon } | { error: TaskError } {
  const threadsError = threadsEnvError();
  if (threadsError) return { error: threadsError };
  if (!existsSync(ADDON_PATH)) {
    return {
      error: new TaskError("backend_unavailable", `backend native unavailable: ${ADDON_PATH} was not built (run: node native/build.mjs)`, {
        exitCode: 2,
      }),
    };
  }
  try {
    const addon = createRequire(import.meta.url)(ADDON_PATH) as NativeAddon;
    const version = typeof addon.apiVersion === "function" ? addon.apiVersion() : 0;
    if (version !== API_VERSION) {
      return {
        error: new TaskError("backend_load_failed", `backend native: ${ADDON_PATH} is out of date (function set ${version}, expected ${API_VERSION}); rebuild: node native/build.mjs`, {
          exitCode: 2,
        }),
      };
    }
    return { addon };
  } catch (err) {
    return {
      error: new TaskError("backend_load_failed", `backend native failed to load ${ADDON_PATH}: ${errorMessage(err)} (rebuild: node native/build.mjs)`, {
        exitCode: 2,
        cause: err,
      }),
    };
  }
}
