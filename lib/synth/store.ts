import type { Rng } from "../rng/index.ts";
import { gaussianNoise } from "./noise.ts";
import { storedRange, type DicomEncoding } from "../dicom/write/index.ts";

/** How one scanner stores its images: everything a decoder must get right. */
export interface StorageProfile {
  manufacturer: string;
  encoding: DicomEncoding;
  bitsStored: 8 | 12 | 14 | 16;
  pixelRepresentation: 0 | 1;
  photometric: "MONOCHROME1" | "MONOCHROME2";
  rescaleSlope: number;
  rescaleIntercept: number;
  /** Whether WindowCenter/WindowWidth are written (covering the breast tissue). */
  window: boolean;
}

export interface StoredImage {
  pixels: Uint16Array | Int16Array | Uint8Array;
  windowCenter?: number;
  windowWidth?: number;
}

/** Brightness band of breast tissue in a phantom, used for the VOI window. */
const TISSUE_LOW = 0.2;
const TISSUE_HIGH = 0.9;

/**
 * Maps phantom brightness (0–1) to stored values: 3–93 % of the stored range, inverted for
 * MONOCHROME1 (where air is the highest value), plus Gaussian detector noise of 0.1 % of the
 * range (at least ½ a grey level) keyed by `noise`.
 */
export function storeImage(image: Float32Array, profile: StorageProfile, noise: Rng): StoredImage {
  const [lo, hi] = storedRange(profile.bitsStored, profile.pixelRepresentation);
  const span = hi - lo;
  const offset = lo + 0.03 * span;
  const scale = 0.9 * span;
  const sigma = Math.max(0.5, 0.001 * span);
  const mono1 = profile.photometric === "MONOCHROME1";
  const toStored = (brightness: number) => offset + scale * (mono1 ? 1 - brightness : brightness);
  const n = image.length;
  const detector = gaussianNoise(noise.seed(), n);
  // Computed in one monomorphic Int32Array, then copied (values already within the stored range).
  const values = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = Math.round(toStored(image[i] as number) + sigma * (detector[i] as number));
    values[i] = v < lo ? lo : v > hi ? hi : v;
  }
  const pixels = profile.bitsStored === 8 ? new Uint8Array(n) : profile.pixelRepresentation === 1 ? new Int16Array(n) : new Uint16Array(n);
  pixels.set(values);
  if (!profile.window) return { pixels };
  const a = toStored(TISSUE_LOW) * profile.rescaleSlope + profile.rescaleIntercept;
  const b = toStored(TISSUE_HIGH) * profile.rescaleSlope + profile.rescaleIntercept;
  return { pixels, windowCenter: Math.round((a + b) / 2), windowWidth: Math.max(1, Math.round(Math.abs(b - a))) };
}
