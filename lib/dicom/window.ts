import type { DicomTags } from "./header.ts";

/**
 * Intensity mapping x → clamp(scale·x + offset, 0, 1): window, clip, scale to [0, 1], and the
 * MONOCHROME1 inversion, in one affine map.
 */
export interface IntensityMap {
  scale: number;
  offset: number;
}

/** Percentiles of the robust window, as in the reference pipeline. */
const LOW_PERCENTILE = 0.5;
const HIGH_PERCENTILE = 99.5;

/**
 * The map for an image. "percentile": from the 0.5th to the 99.5th percentile of the modality
 * values (numpy's linear interpolation), min to max when those coincide, all zeros for a
 * constant image. "voi": the file's first WindowCenter/WindowWidth with the DICOM linear
 * function (PS3.3 C.11.2.1.2.1), falling back to the percentile window when absent or when
 * the width is not above 1. MONOCHROME1 is inverted: the reference's `max − value` followed by
 * the window equals 1 − the windowed value, since percentiles of max − x mirror those of x.
 */
export function intensityMap(pixels: Float32Array, tags: DicomTags, window: "percentile" | "voi"): IntensityMap {
  const [lo, hi] = window === "voi" ? (voiRange(tags) ?? percentileRange(pixels)) : percentileRange(pixels);
  if (!(hi > lo)) return { scale: 0, offset: 0 };
  const scale = 1 / (hi - lo);
  return tags.photometricInterpretation === "MONOCHROME1" ? { scale: -scale, offset: hi * scale } : { scale, offset: -lo * scale };
}

/** [c − ½ − (w−1)/2, c − ½ + (w−1)/2]: the DICOM linear VOI function is linear between them. */
function voiRange(tags: DicomTags): [number, number] | null {
  const { windowCenter: c, windowWidth: w } = tags;
  if (c === null || w === null || !(w > 1)) return null;
  return [c - 0.5 - (w - 1) / 2, c - 0.5 + (w - 1) / 2];
}

/**
 * [p0.5, p99.5], or [min, max] when those are equal. Integer-valued images (every stored value
 * with an integer rescale) take a counting pass over a histogram; others sort a copy.
 */
function percentileRange(pixels: Float32Array): [number, number] {
  const n = pixels.length;
  let min = Infinity;
  let max = -Infinity;
  let integral = true;
  for (let i = 0; i < n; i++) {
    const v = pixels[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
    if (integral && v !== Math.floor(v)) integral = false;
  }
  if (n === 0) return [0, 0];
  const countable = integral && max - min < 2 ** 20 && min >= -(2 ** 31) && max < 2 ** 31;
  const orderStatistic = countable ? histogramOrder(pixels, min, max) : sortedOrder(pixels);
  const lo = percentile(orderStatistic, n, LOW_PERCENTILE);
  const hi = percentile(orderStatistic, n, HIGH_PERCENTILE);
  return hi > lo ? [lo, hi] : [min, max];
}

/** numpy.percentile's default: linear between the order statistics around p/100 · (n − 1). */
function percentile(orderStatistic: (k: number) => number, n: number, p: number): number {
  const position = (p / 100) * (n - 1);
  const k = Math.floor(position);
  const fraction = position - k;
  const a = orderStatistic(k);
  return fraction === 0 ? a : a + fraction * (orderStatistic(Math.min(k + 1, n - 1)) - a);
}

/** Counting sort's view of integers within int32 and less than 2^20 apart. */
function histogramOrder(pixels: Float32Array, min: number, max: number): (k: number) => number {
  const counts = new Int32Array(max - min + 1);
  // Integer indices (| 0) keep the JIT on its fast path; a double index is several times slower.
  const base = min | 0;
  for (let i = 0; i < pixels.length; i++) counts[(pixels[i]! | 0) - base]!++;
  return (k) => {
    let seen = 0;
    for (let bin = 0; bin < counts.length; bin++) {
      seen += counts[bin]!;
      if (seen > k) return bin + min;
    }
    return max;
  };
}

function sortedOrder(pixels: Float32Array): (k: number) => number {
  const sorted = Float32Array.from(pixels).sort();
  return (k) => sorted[k]!;
}
