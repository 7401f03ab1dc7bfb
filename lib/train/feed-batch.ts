// One batch assembled from its images, each augmented with the draw it was given: what the batch
// feeder's workers (augment-worker.ts) and its inline path (feeder.ts) both run.
import { readCachedImage, type CachedImage, type ImageRead, type PostedError } from "../dataset/index.ts";
import { applyAugment, type AugmentDraw } from "./augment.ts";

/**
 * A sample's image as a data part holds it: the pixels themselves (small parts made in memory),
 * or where its preprocessing-cache entry is (a training run: no pixels kept, read per batch).
 */
export type ImageRef = Float32Array | CachedImage;

/** A job: the batch's images (copied here), its draws (null: no augmentation). */
export interface FeedJob {
  id: number;
  size: number;
  images: ImageRef[];
  draws: AugmentDraw[] | null;
}

/** The assembled batch [B·size·size], row-major image after image, and the warnings of reading it; or why it failed. */
export type FeedResult =
  | { id: number; ok: true; pixels: Float32Array; warnings: string[] }
  | { id: number; ok: false; error: PostedError };

/** The pixels of `image`: itself, or read from its cache entry (verified; rebuilt when damaged). */
export function pixelsOf(image: ImageRef): Promise<ImageRead> {
  return image instanceof Float32Array ? Promise.resolve({ pixels: image, warning: null }) : readCachedImage(image);
}

/** The batch of `job`, as the training loop would assemble it itself. */
export async function assemble(job: Omit<FeedJob, "id">): Promise<{ pixels: Float32Array; warnings: string[] }> {
  const n = job.size * job.size;
  const pixels = new Float32Array(job.images.length * n);
  const warnings: string[] = [];
  for (const [b, ref] of job.images.entries()) {
    const { pixels: image, warning } = await pixelsOf(ref);
    if (image.length !== n) throw new RangeError(`batch feeder: image ${b} has ${image.length} pixels, expected ${n} (${job.size}²)`);
    if (warning) warnings.push(warning);
    pixels.set(job.draws ? applyAugment(image, job.size, job.draws[b]!) : image, b * n);
  }
  return { pixels, warnings };
}
