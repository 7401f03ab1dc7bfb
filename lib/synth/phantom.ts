import type { Rng } from "../rng/index.ts";
import { quantile, smoothField, smoothstep } from "./noise.ts";

/** BI-RADS density of what an image shows (1 = almost entirely fatty … 4 = extremely dense). */
export type Density = 1 | 2 | 3 | 4;

/** How the breast was imaged: the two standard incidences, or an odd spot-compression view (class 5). */
export type PhantomView = "CC" | "MLO" | "spot";

/** Shape of one patient's breasts, shared by all her images (so images of a patient look alike). */
export interface Anatomy {
  /** Depth from the chest wall, as a fraction of the image width. */
  depth: number;
  /** Half-height of the outline, as a fraction of the image height. */
  halfHeight: number;
  /** Vertical centre, as a fraction of the image height. */
  centre: number;
  /** Outline wobble: amplitudes and phases of the 3rd and 5th harmonics. */
  wobble: [number, number, number, number];
  /** Pectoral muscle triangle on MLO views: legs as fractions of width and height. */
  pectoral: [number, number];
}

export function drawAnatomy(rng: Rng): Anatomy {
  return {
    depth: 0.55 + 0.3 * rng.float(),
    halfHeight: 0.33 + 0.12 * rng.float(),
    centre: 0.47 + 0.06 * rng.float(),
    wobble: [0.015 + 0.025 * rng.float(), 2 * Math.PI * rng.float(), 0.01 + 0.02 * rng.float(), 2 * Math.PI * rng.float()],
    pectoral: [0.22 + 0.2 * rng.float(), 0.35 + 0.25 * rng.float()],
  };
}

export interface PhantomInput {
  width: number;
  height: number;
  laterality: "L" | "R";
  view: PhantomView;
  anatomy: Anatomy;
  /** Fraction of the breast area (pectoral excluded) that is fibroglandular, 0–1. */
  denseFraction: number;
  /** True density: sets how bright and how textured the dense tissue is. */
  density: Density;
  /** Stream for the tissue texture of this breast and view. */
  tissue: Rng;
}

/** A rendered view, before storage: brightness in [0, 1], brighter = more attenuating. */
export interface Phantom {
  width: number;
  height: number;
  image: Float32Array;
  /** 1 where there is breast tissue (skin inside, pectoral muscle and background outside). */
  breast: Uint8Array;
  /** 1 where the tissue is fibroglandular (a subset of `breast`). */
  dense: Uint8Array;
  /** dense / breast pixel counts: the noise-free density measure of this image. */
  denseFraction: number;
}

/** Width of the skin line and of the thickness fall-off, in units of the normalised outline radius. */
const SKIN = 0.02;
const FALLOFF = 0.12;

/** Normalised position of every pixel relative to the outline: `edge` > 0 inside, 0 on the skin. */
function outline(input: PhantomInput): { edge: Float32Array; prior: Float32Array; pectoral: Uint8Array } {
  const { width: w, height: h, anatomy: an, view } = input;
  const n = w * h;
  const edge = new Float32Array(n);
  const prior = new Float32Array(n);
  const pectoral = new Uint8Array(n);
  if (view === "spot") {
    // A round spot-compression paddle in the middle of the detector, filled with tissue.
    const r = 0.42 * Math.min(w, h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) edge[y * w + x] = 1 - Math.hypot(x - w / 2, y - h / 2) / r;
    }
    return { edge, prior, pectoral };
  }
  const mlo = view === "MLO";
  const a = an.depth * w * (mlo ? 1.05 : 1);
  const b = an.halfHeight * h * (mlo ? 1.3 : 1);
  const cy = (an.centre - (mlo ? 0.08 : 0)) * h;
  const [a3, p3, a5, p5] = an.wobble;
  const [pw, ph] = an.pectoral;
  // rim(θ) = 1 + a3 sin(3θ + p3) + a5 sin(5θ + p5), expanded in cos θ and sin θ (no atan2 or sin per pixel).
  const c3 = a3 * Math.cos(p3);
  const s3 = a3 * Math.sin(p3);
  const c5 = a5 * Math.cos(p5);
  const s5 = a5 * Math.sin(p5);
  for (let y = 0; y < h; y++) {
    const v = (y - cy) / b;
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const d = (input.laterality === "L" ? x : w - 1 - x) / a;
      const r = Math.sqrt(d * d + v * v);
      const cos = r > 0 ? d / r : 1;
      const sin = r > 0 ? v / r : 0;
      const sin3 = sin * (3 - 4 * sin * sin);
      const cos3 = cos * (4 * cos * cos - 3);
      const sin5 = sin * (16 * sin ** 4 - 20 * sin * sin + 5);
      const cos5 = cos * (16 * cos ** 4 - 20 * cos * cos + 5);
      const rim = 1 + sin3 * c3 + cos3 * s3 + sin5 * c5 + cos5 * s5;
      edge[i] = rim - r;
      // Fibroglandular tissue gathers behind the nipple, away from the skin.
      if (rim > r) prior[i] = Math.exp(-((d - 0.3) ** 2) / 0.08 - (v * v) / 0.25);
      if (mlo && (d * a) / w / pw + y / h / ph < 1) pectoral[i] = 1;
    }
  }
  return { edge, prior, pectoral };
}

/**
 * Renders one synthetic mammogram: outline, skin line, pectoral muscle on MLO, fatty background
 * tissue and a fibroglandular pattern whose area is `denseFraction` of the breast. Deterministic
 * given the input (the tissue stream included).
 */
export function renderPhantom(input: PhantomInput): Phantom {
  const { width: w, height: h, density, view } = input;
  const n = w * h;
  const { edge, prior, pectoral } = outline(input);
  const zoom = view === "spot" ? 2 : 1; // spot views are magnified
  const field = smoothField(input.tissue, w, h, [
    { cell: 0.3 * zoom, amplitude: 1 },
    { cell: 0.14 * zoom, amplitude: 0.6 },
    { cell: 0.06 * zoom, amplitude: 0.3 },
  ]);
  const fine = smoothField(input.tissue, w, h, [
    { cell: 0.025 * zoom, amplitude: 1 },
    { cell: 0.012 * zoom, amplitude: 0.5 },
  ]);
  const breast = new Uint8Array(n);
  const score = new Float32Array(n);
  const inside = new Float32Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    score[i] = (field[i] as number) + 1.5 * (prior[i] as number);
    if ((edge[i] as number) > 0 && !pectoral[i]) {
      breast[i] = 1;
      inside[count++] = score[i] as number;
    }
  }
  // The threshold that makes exactly `denseFraction` of the breast fibroglandular.
  const tau = input.denseFraction <= 0 ? Infinity : quantile(inside.subarray(0, count), 1 - input.denseFraction);
  const dense = new Uint8Array(n);
  const image = new Float32Array(n);
  const denseLevel = 0.3 + 0.04 * density;
  const textureGain = 0.06 + 0.04 * density;
  let denseCount = 0;
  for (let i = 0; i < n; i++) {
    const e = edge[i] as number;
    const tex = fine[i] as number;
    let value: number;
    if (pectoral[i] && e > 0) {
      value = 0.66 + 0.04 * (field[i] as number) + 0.015 * tex;
    } else if (e > 0) {
      const thickness = Math.sqrt(Math.min(1, e / FALLOFF));
      const s = score[i] as number;
      if (s >= tau) {
        dense[i] = 1;
        denseCount++;
      }
      const glandular = tau === Infinity ? 0 : smoothstep(tau - 0.35, tau + 0.6, s);
      value = 0.25 + 0.12 * thickness + denseLevel * glandular * thickness * (1 + textureGain * tex) + 0.02 * tex;
      if (e < SKIN) value += 0.1 * (1 - e / SKIN);
    } else if (view === "spot" && e > -SKIN) {
      value = 0.8; // the paddle's rim
    } else {
      value = 0.03;
    }
    image[i] = Math.min(1, Math.max(0, value));
  }
  return { width: w, height: h, image, breast, dense, denseFraction: count ? denseCount / count : 0 };
}
