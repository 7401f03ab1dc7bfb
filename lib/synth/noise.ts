import type { Rng } from "../rng/index.ts";

/** One octave of value noise: lattice spacing as a fraction of the image's long side, and weight. */
export interface Octave {
  cell: number;
  amplitude: number;
}

/**
 * Smooth random field (sum of value-noise octaves), standardised to mean 0 and σ 1. Lattice
 * values come from `rng`; the lattice is laid out in units of the long side, so a field keeps its
 * structure when the image size changes.
 */
export function smoothField(rng: Rng, width: number, height: number, octaves: readonly Octave[]): Float32Array {
  const out = new Float32Array(width * height);
  const long = Math.max(width, height);
  // Column lookups are shared by every row: lattice index and smoothed weight per x.
  const x0 = new Int32Array(width);
  const tx = new Float32Array(width);
  for (const { cell, amplitude } of octaves) {
    const step = Math.max(cell * long, 1);
    const gw = Math.ceil(width / step) + 2;
    const gh = Math.ceil(height / step) + 2;
    const lattice = new Float32Array(gw * gh);
    for (let i = 0; i < lattice.length; i++) lattice[i] = amplitude * (rng.float() * 2 - 1);
    for (let x = 0; x < width; x++) {
      const g = x / step;
      x0[x] = Math.floor(g);
      tx[x] = smooth(g - Math.floor(g));
    }
    for (let y = 0; y < height; y++) {
      const gy = y / step;
      const r0 = Math.floor(gy) * gw;
      const r1 = r0 + gw;
      const ty = smooth(gy - Math.floor(gy));
      const row = y * width;
      for (let x = 0; x < width; x++) {
        const k = x0[x] as number;
        const t = tx[x] as number;
        const a = lattice[r0 + k] as number;
        const c = lattice[r1 + k] as number;
        const top = a + ((lattice[r0 + k + 1] as number) - a) * t;
        const bottom = c + ((lattice[r1 + k + 1] as number) - c) * t;
        out[row + x] = (out[row + x] as number) + top + (bottom - top) * ty;
      }
    }
  }
  return standardise(out);
}

/**
 * Approximately standard-normal noise, one value per pixel, from a counter-based integer hash
 * keyed by `seed` (e.g. `rng.seed()`): the sum of four uniform bytes (Irwin–Hall), standardised.
 * Detector noise needs one draw per pixel (10⁵–10⁷ per image), which a seedrandom stream makes
 * the slowest part of the synthesis; this is ~20× faster and just as reproducible.
 */
export function gaussianNoise(seed: number, n: number): Float32Array {
  const out = new Float32Array(n);
  const sd = Math.sqrt((4 * (256 * 256 - 1)) / 12);
  for (let i = 0; i < n; i++) {
    let h = (seed ^ Math.imul(i + 1, 0x9e3779b9)) >>> 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x7feb352d);
    h ^= h >>> 15;
    h = Math.imul(h, 0x846ca68b);
    h ^= h >>> 16;
    out[i] = ((h & 0xff) + ((h >>> 8) & 0xff) + ((h >>> 16) & 0xff) + (h >>> 24) - 510) / sd;
  }
  return out;
}

/** Hermite smoothstep on [0, 1]: C¹ joins between lattice cells. */
export function smooth(t: number): number {
  return t * t * (3 - 2 * t);
}

/** Smoothstep from `edge0` to `edge1`, clamped. */
export function smoothstep(edge0: number, edge1: number, x: number): number {
  const t = Math.min(1, Math.max(0, (x - edge0) / (edge1 - edge0)));
  return smooth(t);
}

function standardise(v: Float32Array): Float32Array {
  // Index loops: for…of over a typed array is several times slower in JavaScriptCore.
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] as number;
  const mean = sum / v.length;
  let ss = 0;
  for (let i = 0; i < v.length; i++) ss += ((v[i] as number) - mean) ** 2;
  const sd = Math.sqrt(ss / v.length) || 1;
  for (let i = 0; i < v.length; i++) v[i] = ((v[i] as number) - mean) / sd;
  return v;
}

/** The q-quantile (0–1) of `values` (nearest rank on a sorted copy). */
export function quantile(values: Float32Array, q: number): number {
  if (values.length === 0) return 0;
  const sorted = values.slice().sort();
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.floor(q * sorted.length)));
  return sorted[idx] as number;
}
