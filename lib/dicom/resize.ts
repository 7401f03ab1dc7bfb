import type { IntensityMap } from "./window.ts";

/**
 * For each output sample along one axis, the source samples it reads and their weights
 * (summing to 1): output k reads source first[k] … first[k] + count[k] − 1 with
 * weights[start[k] …].
 */
interface Taps {
  first: Int32Array;
  count: Int32Array;
  start: Int32Array;
  weights: Float64Array;
}

/**
 * Resamples a source axis of `srcLen` samples to `dstLen` and keeps outputs `from` … `from + n − 1`.
 * Shrinking averages the source over each output's footprint with fractional coverage at its
 * edges (area / box filter: every source sample counts, so fine patterns cannot alias).
 * Enlarging interpolates linearly between the two nearest source centres (half-pixel centres,
 * edges clamped). Equal lengths copy.
 */
function axisTaps(srcLen: number, dstLen: number, from: number, n: number): Taps {
  const ratio = srcLen / dstLen;
  const first = new Int32Array(n);
  const count = new Int32Array(n);
  const start = new Int32Array(n);
  const weights: number[] = [];
  for (let k = 0; k < n; k++) {
    const out = from + k;
    start[k] = weights.length;
    if (ratio >= 1) {
      const x0 = out * ratio;
      const x1 = Math.min((out + 1) * ratio, srcLen);
      const i0 = Math.floor(x0);
      first[k] = i0;
      for (let i = i0; i < x1; i++) weights.push((Math.min(x1, i + 1) - Math.max(x0, i)) / ratio);
    } else {
      const x = Math.min(Math.max((out + 0.5) * ratio - 0.5, 0), srcLen - 1);
      const i0 = Math.min(Math.floor(x), srcLen - 2);
      const fraction = x - i0;
      first[k] = Math.max(i0, 0);
      if (srcLen === 1) weights.push(1);
      else weights.push(1 - fraction, fraction);
    }
    count[k] = weights.length - start[k]!;
  }
  return { first, count, start, weights: Float64Array.from(weights) };
}

/**
 * Applies `map` (window, clip, [0,1]) to a width × height image, scales it so its short side is
 * `size` (long side rounded), and returns the centred size × size crop, row-major. Separable:
 * only source rows under the crop are read, and each is mapped and resampled horizontally once.
 */
export function resizeCrop(pixels: Float32Array, width: number, height: number, size: number, map: IntensityMap): Float32Array {
  const short = Math.min(width, height);
  const outW = width === short ? size : Math.round((width * size) / short);
  const outH = height === short ? size : Math.round((height * size) / short);
  const xTaps = axisTaps(width, outW, Math.floor((outW - size) / 2), size);
  const yTaps = axisTaps(height, outH, Math.floor((outH - size) / 2), size);
  const rowFrom = yTaps.first[0]!;
  const rowTo = yTaps.first[size - 1]! + yTaps.count[size - 1]!;

  const { scale, offset } = map;
  const line = new Float32Array(width);
  const across = new Float32Array((rowTo - rowFrom) * size);
  for (let y = rowFrom; y < rowTo; y++) {
    const base = y * width;
    for (let x = 0; x < width; x++) {
      const v = scale * pixels[base + x]! + offset;
      line[x] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
    const row = (y - rowFrom) * size;
    for (let k = 0; k < size; k++) {
      const first = xTaps.first[k]!;
      const w0 = xTaps.start[k]!;
      const taps = xTaps.count[k]!;
      let sum = 0;
      for (let t = 0; t < taps; t++) sum += xTaps.weights[w0 + t]! * line[first + t]!;
      across[row + k] = sum;
    }
  }

  const out = new Float32Array(size * size);
  const acc = new Float64Array(size);
  for (let r = 0; r < size; r++) {
    acc.fill(0);
    const first = yTaps.first[r]!;
    const w0 = yTaps.start[r]!;
    for (let t = 0; t < yTaps.count[r]!; t++) {
      const weight = yTaps.weights[w0 + t]!;
      const row = (first + t - rowFrom) * size;
      for (let k = 0; k < size; k++) acc[k]! += weight * across[row + k]!;
    }
    out.set(acc, r * size);
  }
  return out;
}
