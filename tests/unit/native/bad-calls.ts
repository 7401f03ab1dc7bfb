// Calls of every function the native addon exports: one valid call each, and wrong ones (lengths
// that do not match the shapes, zero channels, a bad thread count, wrong types) with the exact
// error each must throw. argument-checks.test.ts runs them in-process and, through this file run
// as a script, in a child process, so that a crash (SIGSEGV, SIGFPE, an ASan abort) is seen as a
// signal rather than taking the test runner down.
//
//   bun tests/unit/native/bad-calls.ts   → one JSON line per call: {kernel, what, threw, name, message}
import { loadAddon, type NativeAddon } from "../../../lib/backend/native/addon.ts";

/** A call of the addon's function `kernel`; `error` null for a valid call, else the message it must throw. */
export interface Call {
  kernel: keyof NativeAddon;
  what: string;
  call: (addon: NativeAddon) => unknown;
  error: string | null;
}

const f = (n: number) => new Float32Array(n);
const ints = (...v: number[]) => Int32Array.from(v);

// geometries (15 integers: batch, inH, inW, inC, kH, kW, outC, outH, outW, strideH, strideW, dilH, dilW, padTop, padLeft)
/** 1×8×8×3 input, 3×3 filter to 4 channels, stride 1, "same" (pad 1): output 1×8×8×4. Filter 3·3·3·4 = 108. */
const conv = [1, 8, 8, 3, 3, 3, 4, 8, 8, 1, 1, 1, 1, 1, 1];
/** The same with 3 output channels (depthwise, multiplier 1): filter 3·3·3·1 = 27, output 192. */
const dw = [1, 8, 8, 3, 3, 3, 3, 8, 8, 1, 1, 1, 1, 1, 1];
/** 2×2 max pool, stride 2, "valid": 1×8×8×3 → 1×4×4×3 (48). */
const pool = [1, 8, 8, 3, 2, 2, 3, 4, 4, 2, 2, 1, 1, 0, 0];
/** `g` with entry i set to v. */
const with_ = (g: number[], i: number, v: number) => ints(...g.map((x, j) => (j === i ? v : x)));

const seven = (n: number, last = n) => [f(n), f(n), f(n), f(n), f(n), f(n), f(last)] as const;

export const CALLS: Call[] = [
  { kernel: "conv2d", what: "valid", error: null, call: (a) => a.conv2d(f(192), f(108), f(4), f(256), ints(...conv), 1, 0) },
  { kernel: "conv2d", what: "short input", error: "native conv2d: input length 100 does not match 1×8×8×3 = 192",
    call: (a) => a.conv2d(f(100), f(108), null, f(256), ints(...conv), 0, 0) },
  { kernel: "conv2d", what: "short filter", error: "native conv2d: filter length 100 does not match 3×3×3×4 = 108",
    call: (a) => a.conv2d(f(192), f(100), null, f(256), ints(...conv), 0, 0) },
  { kernel: "conv2d", what: "bias per input channel", error: "native conv2d: bias length 3 does not match 4",
    call: (a) => a.conv2d(f(192), f(108), f(3), f(256), ints(...conv), 0, 0) },
  { kernel: "conv2d", what: "zero input channels", error: "native conv2d: geometry inC must be ≥ 1, got 0",
    call: (a) => a.conv2d(f(0), f(0), null, f(256), with_(conv, 3, 0), 0, 0) },
  { kernel: "conv2d", what: "stride 0", error: "native conv2d: geometry strideH must be ≥ 1, got 0",
    call: (a) => a.conv2d(f(192), f(108), null, f(256), with_(conv, 9, 0), 0, 0) },
  { kernel: "conv2d", what: "negative padding", error: "native conv2d: geometry pads must be ≥ 0, got -1, 1",
    call: (a) => a.conv2d(f(192), f(108), null, f(256), with_(conv, 13, -1), 0, 0) },
  { kernel: "conv2d", what: "14 geometry integers", error: "native conv2d: geometry has 14 integers, expected 15",
    call: (a) => a.conv2d(f(192), f(108), null, f(256), ints(...conv.slice(1)), 0, 0) },
  { kernel: "conv2d", what: "unknown activation", error: "native conv2d: activation must be in [0, 5], got 9",
    call: (a) => a.conv2d(f(192), f(108), null, f(256), ints(...conv), 9, 0) },
  { kernel: "conv2d", what: "a Float64Array input", error: "native conv2d: argument 0 must be a Float32Array",
    call: (a) => a.conv2d(new Float64Array(192) as unknown as Float32Array, f(108), null, f(256), ints(...conv), 0, 0) },
  { kernel: "conv2d", what: "no arguments", error: "native conv2d: argument 0 must be a Float32Array",
    call: (a) => (a.conv2d as unknown as () => void)() },

  { kernel: "conv2dBackpropInput", what: "valid", error: null, call: (a) => a.conv2dBackpropInput(f(256), f(108), f(192), ints(...conv)) },
  { kernel: "conv2dBackpropInput", what: "short dx", error: "native conv2dBackpropInput: dx length 191 does not match 1×8×8×3 = 192",
    call: (a) => a.conv2dBackpropInput(f(256), f(108), f(191), ints(...conv)) },
  { kernel: "conv2dBackpropInput", what: "zero output channels", error: "native conv2dBackpropInput: geometry outC must be ≥ 1, got 0",
    call: (a) => a.conv2dBackpropInput(f(0), f(0), f(192), with_(conv, 6, 0)) },

  { kernel: "conv2dBackpropFilter", what: "valid", error: null, call: (a) => a.conv2dBackpropFilter(f(192), f(256), f(108), ints(...conv)) },
  { kernel: "conv2dBackpropFilter", what: "short dfilter", error: "native conv2dBackpropFilter: dfilter length 107 does not match 3×3×3×4 = 108",
    call: (a) => a.conv2dBackpropFilter(f(192), f(256), f(107), ints(...conv)) },
  { kernel: "conv2dBackpropFilter", what: "zero batch", error: "native conv2dBackpropFilter: geometry batch must be ≥ 1, got 0",
    call: (a) => a.conv2dBackpropFilter(f(0), f(0), f(108), with_(conv, 0, 0)) },

  { kernel: "depthwise", what: "valid", error: null, call: (a) => a.depthwise(f(192), f(27), f(3), f(192), ints(...dw), 2, 0) },
  { kernel: "depthwise", what: "long filter", error: "native depthwise: filter length 28 does not match 3×3×3×1 = 27",
    call: (a) => a.depthwise(f(192), f(28), null, f(192), ints(...dw), 0, 0) },
  { kernel: "depthwise", what: "channel multiplier 4/3", error: "native depthwise: geometry inC and outC differ (channel multiplier 1 only)",
    call: (a) => a.depthwise(f(192), f(36), null, f(256), ints(...conv), 0, 0) },
  { kernel: "depthwise", what: "zero channels", error: "native depthwise: geometry inC must be ≥ 1, got 0",
    call: (a) => a.depthwise(f(0), f(0), null, f(0), ints(1, 8, 8, 0, 3, 3, 0, 8, 8, 1, 1, 1, 1, 1, 1), 0, 0) },

  { kernel: "depthwiseBackpropInput", what: "valid", error: null, call: (a) => a.depthwiseBackpropInput(f(192), f(27), f(192), ints(...dw)) },
  { kernel: "depthwiseBackpropInput", what: "short dy", error: "native depthwiseBackpropInput: dy length 64 does not match 1×8×8×3 = 192",
    call: (a) => a.depthwiseBackpropInput(f(64), f(27), f(192), ints(...dw)) },

  { kernel: "depthwiseBackpropFilter", what: "valid", error: null, call: (a) => a.depthwiseBackpropFilter(f(192), f(192), f(27), ints(...dw)) },
  { kernel: "depthwiseBackpropFilter", what: "short dfilter", error: "native depthwiseBackpropFilter: dfilter length 26 does not match 3×3×3×1 = 27",
    call: (a) => a.depthwiseBackpropFilter(f(192), f(192), f(26), ints(...dw)) },

  { kernel: "maxPool", what: "valid", error: null, call: (a) => a.maxPool(f(192), f(48), ints(...pool)) },
  { kernel: "maxPool", what: "short output", error: "native maxPool: output length 47 does not match 1×4×4×3 = 48",
    call: (a) => a.maxPool(f(192), f(47), ints(...pool)) },
  { kernel: "maxPool", what: "channels change", error: "native maxPool: geometry inC 3 and outC 4 differ (pooling keeps the channels)",
    call: (a) => a.maxPool(f(192), f(64), with_(pool, 6, 4)) },
  { kernel: "maxPool", what: "zero window", error: "native maxPool: geometry kH must be ≥ 1, got 0",
    call: (a) => a.maxPool(f(192), f(48), with_(pool, 4, 0)) },

  { kernel: "maxPool", what: "65536×65536 pixels", error: "native maxPool: geometry inH·inW 4294967296 exceeds the int32 pixel index",
    call: (a) => a.maxPool(f(192), f(48), ints(1, 65536, 65536, 1, 2, 2, 1, 32768, 32768, 2, 2, 1, 1, 0, 0)) },

  { kernel: "maxPoolGrad", what: "valid", error: null, call: (a) => a.maxPoolGrad(f(48), f(192), f(192), ints(...pool)) },
  { kernel: "maxPoolGrad", what: "short x", error: "native maxPoolGrad: x length 10 does not match 1×8×8×3 = 192",
    call: (a) => a.maxPoolGrad(f(48), f(10), f(192), ints(...pool)) },

  { kernel: "matmul", what: "valid", error: null, call: (a) => a.matmul(f(12), f(6), f(8), 2, 2, 2, 3, 0, 0, 6, 0, f(2), 1, 0) },
  { kernel: "matmul", what: "short a", error: "native matmul: a length 5 does not match 2×3 = 6",
    call: (a) => a.matmul(f(5), f(6), f(4), 1, 2, 2, 3, 0, 0, 0, 0, null, 0, 0) },
  { kernel: "matmul", what: "short batched a", error: "native matmul: a length 6 does not match 2×2×3 = 12",
    call: (a) => a.matmul(f(6), f(6), f(8), 2, 2, 2, 3, 0, 0, 6, 0, null, 0, 0) },
  { kernel: "matmul", what: "m = 0", error: "native matmul: m must be ≥ 1, got 0",
    call: (a) => a.matmul(f(6), f(6), f(4), 1, 0, 2, 3, 0, 0, 0, 0, null, 0, 0) },
  { kernel: "matmul", what: "strideA not m·k", error: "native matmul: strideA 5 is neither 0 nor m·k",
    call: (a) => a.matmul(f(12), f(6), f(8), 2, 2, 2, 3, 0, 0, 5, 0, null, 0, 0) },
  { kernel: "matmul", what: "short output", error: "native matmul: output length 3 does not match 1×2×2 = 4",
    call: (a) => a.matmul(f(6), f(6), f(3), 1, 2, 2, 3, 0, 0, 0, 0, null, 0, 0) },

  { kernel: "binary", what: "valid", error: null, call: (a) => a.binary(0, f(4), f(1), f(4), ints(4), ints(1), ints(0)) },
  { kernel: "binary", what: "short a", error: "native binary: a length 3 is shorter than its strides reach (4)",
    call: (a) => a.binary(0, f(3), f(1), f(4), ints(4), ints(1), ints(0)) },
  { kernel: "binary", what: "short output", error: "native binary: output length 3 does not match the shape's 4 elements",
    call: (a) => a.binary(0, f(4), f(1), f(3), ints(4), ints(1), ints(0)) },
  { kernel: "binary", what: "rank 0", error: "native binary: rank must be in [1, 8], got 0",
    call: (a) => a.binary(0, f(1), f(1), f(1), ints(), ints(), ints()) },
  { kernel: "binary", what: "a size-0 dimension", error: "native binary: outShape[0] must be ≥ 1, got 0",
    call: (a) => a.binary(0, f(0), f(1), f(0), ints(0), ints(1), ints(0)) },
  { kernel: "binary", what: "two strides for one dimension", error: "native binary: aStrides (2) and bStrides (1) need one stride per dimension of outShape (1)",
    call: (a) => a.binary(0, f(4), f(1), f(4), ints(4), ints(1, 1), ints(0)) },
  { kernel: "binary", what: "unknown op", error: "native binary: op must be in [0, 6], got 7",
    call: (a) => a.binary(7, f(4), f(1), f(4), ints(4), ints(1), ints(0)) },

  { kernel: "unary", what: "valid", error: null, call: (a) => a.unary(15, f(5), f(5), 0) },
  { kernel: "unary", what: "short output", error: "native unary: output length 4 does not match input length 5",
    call: (a) => a.unary(0, f(5), f(4), 0) },
  { kernel: "unary", what: "unknown op", error: "native unary: op must be in [0, 15], got 16", call: (a) => a.unary(16, f(5), f(5), 0) },

  { kernel: "swishGrad", what: "valid", error: null, call: (a) => a.swishGrad(f(5), f(5), f(5)) },
  { kernel: "swishGrad", what: "short dx", error: "native swishGrad: dx length 4 does not match 5", call: (a) => a.swishGrad(f(5), f(5), f(4)) },

  { kernel: "reduce", what: "valid", error: null, call: (a) => a.reduce(1, f(24), f(8), 2, 3, 4) },
  { kernel: "reduce", what: "zero channels", error: "native reduce: C must be ≥ 1, got 0", call: (a) => a.reduce(0, f(24), f(8), 2, 3, 0) },
  { kernel: "reduce", what: "short input", error: "native reduce: input length 23 does not match 2×3×4 = 24",
    call: (a) => a.reduce(0, f(23), f(8), 2, 3, 4) },

  { kernel: "batchNorm", what: "valid", error: null, call: (a) => a.batchNorm(f(12), f(4), f(1), f(4), null, 1e-3, f(12), 4) },
  { kernel: "batchNorm", what: "zero channels (n / C)", error: "native batchNorm: channels must be ≥ 1, got 0",
    call: (a) => a.batchNorm(f(12), f(4), f(4), null, null, 1e-3, f(12), 0) },
  { kernel: "batchNorm", what: "rows not whole", error: "native batchNorm: input length 10 is not a whole, non-zero number of rows of 4 channels",
    call: (a) => a.batchNorm(f(10), f(4), f(4), null, null, 1e-3, f(10), 4) },
  { kernel: "batchNorm", what: "short mean", error: "native batchNorm: mean length 3 does not match 4 channels (or 1)",
    call: (a) => a.batchNorm(f(12), f(3), f(4), null, null, 1e-3, f(12), 4) },
  { kernel: "batchNorm", what: "short output", error: "native batchNorm: output length 11 does not match 12",
    call: (a) => a.batchNorm(f(12), f(4), f(4), null, null, 1e-3, f(11), 4) },

  { kernel: "batchNormStats", what: "valid", error: null, call: (a) => a.batchNormStats(f(12), 4, f(4), f(4)) },
  { kernel: "batchNormStats", what: "zero channels (n / C)", error: "native batchNormStats: channels must be ≥ 1, got 0",
    call: (a) => a.batchNormStats(f(12), 0, f(4), f(4)) },
  { kernel: "batchNormStats", what: "empty input", error: "native batchNormStats: input length 0 is not a whole, non-zero number of rows of 4 channels",
    call: (a) => a.batchNormStats(f(0), 4, f(4), f(4)) },
  { kernel: "batchNormStats", what: "variance of one", error: "native batchNormStats: variance length 1 does not match 4 channels",
    call: (a) => a.batchNormStats(f(12), 4, f(4), f(1)) },

  { kernel: "batchNormTrainGrad", what: "valid", error: null,
    call: (a) => a.batchNormTrainGrad(f(12), f(12), f(4), f(4), f(4), 1e-3, 4, f(12), f(4), f(4)) },
  { kernel: "batchNormTrainGrad", what: "zero channels (n / C)", error: "native batchNormTrainGrad: channels must be ≥ 1, got 0",
    call: (a) => a.batchNormTrainGrad(f(12), f(12), f(4), f(4), null, 1e-3, 0, f(12), f(4), f(4)) },
  { kernel: "batchNormTrainGrad", what: "short dscale", error: "native batchNormTrainGrad: dscale length 3 does not match 4",
    call: (a) => a.batchNormTrainGrad(f(12), f(12), f(4), f(4), null, 1e-3, 4, f(12), f(3), f(4)) },
  { kernel: "batchNormTrainGrad", what: "scale of one", error: "native batchNormTrainGrad: scale length 1 does not match 4 channels",
    call: (a) => a.batchNormTrainGrad(f(12), f(12), f(4), f(4), f(1), 1e-3, 4, f(12), f(4), f(4)) },

  { kernel: "adamw", what: "valid", error: null, call: (a) => a.adamw(...seven(10), 0.9, 0.1, 0.999, 0.001, 1, 1, 1e-7, 0.001) },
  { kernel: "adamw", what: "short vOut", error: "native adamw: vOut length 9 does not match 10",
    call: (a) => a.adamw(...seven(10, 9), 0.9, 0.1, 0.999, 0.001, 1, 1, 1e-7, 0.001) },
  { kernel: "adamw", what: "NaN epsilon", error: "native adamw: argument 13 must be finite, got nan",
    call: (a) => a.adamw(...seven(10), 0.9, 0.1, 0.999, 0.001, 1, 1, Number.NaN, 0.001) },

  { kernel: "threads", what: "valid (the current count)", error: null, call: (a) => a.threads(a.threads()) },
  { kernel: "threads", what: "0 threads", error: "native threads: thread count must be in [1, 256], got 0", call: (a) => a.threads(0) },
  { kernel: "threads", what: "257 threads", error: "native threads: thread count must be in [1, 256], got 257", call: (a) => a.threads(257) },
  { kernel: "threads", what: "a billion threads", error: "native threads: thread count must be in [1, 256], got 1000000000",
    call: (a) => a.threads(1e9) },
  { kernel: "threads", what: "NaN threads", error: "native threads: argument 0 must be finite, got nan", call: (a) => a.threads(Number.NaN) },
];

/** What one call did. */
export interface Outcome {
  kernel: string;
  what: string;
  threw: boolean;
  name: string;
  message: string;
}

export function attempt(addon: NativeAddon, c: Call): Outcome {
  try {
    c.call(addon);
    return { kernel: c.kernel, what: c.what, threw: false, name: "", message: "" };
  } catch (err) {
    const e = err as Error;
    return { kernel: c.kernel, what: c.what, threw: true, name: e.name, message: e.message };
  }
}

if (import.meta.main) {
  const addon = loadAddon();
  for (const c of CALLS) process.stdout.write(`${JSON.stringify(attempt(addon, c))}\n`);
}
