import type { Rng } from "../rng/index.ts";

/** One sample's augmentation, drawn before the pixels are touched so draws never depend on content. */
export interface AugmentDraw {
  flip: boolean;
  /** Rotation in degrees, counter-clockwise. */
  degrees: number;
}

/** Horizontal flip with p = 0.5, then rotation U(−maxDegrees, maxDegrees); two draws per sample, in this order. */
export function drawAugment(rng: Rng, maxDegrees = 5): AugmentDraw {
  const flip = rng.float() < 0.5;
  const degrees = (2 * rng.float() - 1) * maxDegrees;
  return { flip, degrees };
}

/**
 * Applies `draw` to a square row-major image of side `size`: mirror left–right, then rotate about
 * the centre with bilinear interpolation; pixels from outside the image are 0 (as torchvision's
 * RandomRotation with fill 0).
 */
export function applyAugment(image: Float32Array, size: number, draw: AugmentDraw): Float32Array {
  const out = new Float32Array(size * size);
  const theta = (draw.degrees * Math.PI) / 180;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const c = (size - 1) / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      // Inverse map: the output pixel (x, y) comes from the source point rotated back by −θ
      // (y grows downwards, so a counter-clockwise turn on screen flips the sign of sin).
      const dx = x - c;
      const dy = y - c;
      let sx = cos * dx - sin * dy + c;
      const sy = sin * dx + cos * dy + c;
      if (draw.flip) sx = size - 1 - sx;
      out[y * size + x] = sampleBilinear(image, size, sx, sy);
    }
  }
  return out;
}

function sampleBilinear(image: Float32Array, size: number, x: number, y: number): number {
  if (x < -0.5 || y < -0.5 || x > size - 0.5 || y > size - 0.5) return 0;
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const dx = x - x0;
  const dy = y - y0;
  const at = (xx: number, yy: number) => (xx < 0 || yy < 0 || xx >= size || yy >= size ? 0 : (image[yy * size + xx] as number));
  return (at(x0, y0) * (1 - dx) + at(x0 + 1, y0) * dx) * (1 - dy) + (at(x0, y0 + 1) * (1 - dx) + at(x0 + 1, y0 + 1) * dx) * dy;
}
