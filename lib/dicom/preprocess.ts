import { readFile } from "node:fs/promises";
import { TaskError, errorMessage } from "../errors/index.ts";
import { decodeDicom } from "./decode.ts";
import type { DecodedImage } from "./decode.ts";
import { resizeCrop } from "./resize.ts";
import { intensityMap } from "./window.ts";

/** How an image becomes a model input. */
export interface PreprocessOptions {
  /** Side of the square output in pixels (the short side is scaled to it, then centre-cropped). */
  imgSize: number;
  /** "percentile": robust 0.5–99.5 % window; "voi": the file's WindowCenter/Width, else percentile. */
  window: "percentile" | "voi";
}

/**
 * MONOCHROME1 inversion, window, clip, [0,1], short side → imgSize (area-averaged when
 * shrinking, bilinear when enlarging), centre crop. Returns imgSize × imgSize values in [0, 1],
 * row-major.
 */
export function preprocess(image: DecodedImage, options: PreprocessOptions): Float32Array {
  const { imgSize } = options;
  if (!Number.isInteger(imgSize) || imgSize < 1) throw new TaskError("invalid_img_size", `invalid imgSize: ${imgSize} (expected a positive integer)`, { exitCode: 2 });
  if (image.pixels.length !== image.width * image.height) {
    throw new TaskError("invalid_image", `image of ${image.width}×${image.height} has ${image.pixels.length} pixels`);
  }
  const map = intensityMap(image.pixels, image.tags, options.window);
  return resizeCrop(image.pixels, image.width, image.height, imgSize, map);
}

/** Reads, decodes and preprocesses one file; DicomError for a bad file, TaskError when it cannot be read. */
export async function loadPreprocessed(file: string, options: PreprocessOptions): Promise<Float32Array> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new TaskError("file_unreadable", `cannot read ${file}: ${errorMessage(err)}`, { cause: err });
  }
  return preprocess(await decodeDicom(bytes, file), options);
}
