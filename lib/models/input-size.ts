import { usageError } from "../errors/index.ts";

/**
 * Refuses an input side `arch` cannot take (EfficientNet-B0 halves it five times: at least 32;
 * the small CNN twice: at least 4), naming --img-size and --arch. The train task's `check` runs it
 * before anything runs; buildModel again for callers that build a model directly.
 */
export function checkImgSize(arch: string, imgSize: number): void {
  const min = arch === "small-cnn" ? 4 : 32;
  if (!Number.isInteger(imgSize) || imgSize < min) throw usageError("invalid_model", `invalid --img-size: ${imgSize} (expected an integer ≥ ${min} for --arch ${arch})`);
}
