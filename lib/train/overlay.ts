/**
 * Grad-CAM overlays: the grey image with a jet-like colour map of the heat map blended on top.
 */

/** Jet-like colour for t in [0, 1]: blue → cyan → yellow → red. */
export function jet(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t));
  const c = (v: number) => Math.round(255 * Math.min(1, Math.max(0, v)));
  return [c(1.5 - Math.abs(4 * x - 3)), c(1.5 - Math.abs(4 * x - 2)), c(1.5 - Math.abs(4 * x - 1))];
}

/**
 * RGB bytes of `image` blended with the jet colour of `heat`, both size×size row-major with
 * values in [0, 1] (pixel (i, j) of the heat map lies on pixel (i, j) of the image):
 * `(1 − alpha)·grey + alpha·jet(heat)`.
 */
export function overlayHeatmap(image: Float32Array, heat: Float32Array, size: number, alpha = 0.4): Uint8Array {
  if (image.length !== size * size || heat.length !== size * size) {
    throw new RangeError(`overlayHeatmap: image ${image.length} and heat map ${heat.length} values, expected ${size}x${size}`);
  }
  const rgb = new Uint8Array(size * size * 3);
  for (let i = 0; i < size * size; i++) {
    const grey = 255 * Math.min(1, Math.max(0, image[i] as number));
    const colour = jet(heat[i] as number);
    for (let c = 0; c < 3; c++) rgb[3 * i + c] = Math.round((1 - alpha) * grey + alpha * (colour[c] as number));
  }
  return rgb;
}
