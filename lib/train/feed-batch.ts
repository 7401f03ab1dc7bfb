// One training batch assembled from its images, each augmented with the draw it was given: what
// the batch feeder's workers (augment-worker.ts) and its inline path (feeder.ts) both run.
import { applyAugment, type AugmentDraw } from "./augment.ts";

/** A job: the batch's source images (copied here), its draws (null: no augmentation), its side. */
export interface FeedJob {
  id: number;
  size: number;
  images: Float32Array[];
  draws: AugmentDraw[] | null;
}

/** The assembled batch [B·size·size], row-major image after image. */
export interface FeedResult {
  id: number;
  pixels: Float32Array;
}

/** The batch of `job`, as the training loop would assemble it itself. */
export function assemble(job: Omit<FeedJob, "id">): Float32Array {
  const n = job.size * job.size;
  const pixels = new Float32Array(job.images.length * n);
  job.images.forEach((image, b) => pixels.set(job.draws ? applyAugment(image, job.size, job.draws[b]!) : image, b * n));
  return pixels;
}
