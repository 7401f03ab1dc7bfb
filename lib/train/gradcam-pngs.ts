import type * as tfjs from "@tensorflow/tfjs";
import { join } from "node:path";
import { z } from "zod";
import { defineArtifact, enveloped, writeFileAtomic } from "../artifacts/index.ts";
import { gradcamAsync, type BuiltModel } from "../models/index.ts";
import { pixelsOf } from "./feed-batch.ts";
import { overlayHeatmap } from "./overlay.ts";
import { encodePng } from "./png.ts";
import type { DataPart } from "./step.ts";
import type { ArtifactStore } from "../task/index.ts";

type TF = typeof tfjs;

/** `gradcam/gradcam_idx{i}_pred{p}_true{t}.json` beside each overlay (see `writeGradcams`). */
export const gradcamSidecarSchema = enveloped(
  z.object({
    /** Index of the image in the validation part. */
    index: z.number().int().nonnegative(),
    /** Predicted and true class indices 0..3. */
    predicted: z.number().int().min(0).max(3),
    true: z.number().int().min(0).max(3),
    /** The map at the network's resolution, row-major, in [0, 1] (6 decimals). */
    heatmap: z.object({ width: z.number().int().positive(), height: z.number().int().positive(), values: z.array(z.number()) }),
    /** The network's input image (grey PNG) in the same folder. */
    input_png: z.string(),
  }),
);

export const gradcamJson = defineArtifact({
  name: "gradcam",
  path: "<run dir>/gradcam/gradcam_idx{i}_pred{p}_true{t}.json",
  format: "json",
  schema: gradcamSidecarSchema,
  enveloped: true,
  writer: "lib/train/gradcam-pngs.ts",
  readers: ["reports/inputs/run.ts"],
  description: "With --gradcam-samples N: per validation image, the Grad-CAM map at the network's resolution and the name of the input image, from which the report draws the map over the image; the overlay PNG keeps the reference pipeline's name.",
  version: 1,
});

/** The network's input image as an 8-bit grey PNG (values in [0, 1], clipped). */
function greyPng(image: Float32Array, size: number): Uint8Array {
  const bytes = new Uint8Array(size * size);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.round(255 * Math.min(1, Math.max(0, image[i] as number)));
  return encodePng(size, size, bytes, 1);
}

/**
 * Grad-CAM of the first `n` validation images with the model's current weights (the best
 * epoch's), the map explaining the predicted class; class indices 0..3 as in val_predictions.csv.
 * Per image: the overlay the reference pipeline names, `gradcam_idx0000_pred2_true2.png`; the
 * network's input image, `gradcam_idx0000_input.png`; and `gradcam_idx0000_pred2_true2.json`
 * with the map at the network's resolution (`heatmap` {width, height, values in [0, 1]}) and
 * `input_png`, from which the report draws the map over the image without upsampling blur.
 * Returns the number of images.
 */
export async function writeGradcams(tf: TF, built: Pick<BuiltModel, "model" | "gradcamLayer">, val: DataPart, imgSize: number, n: number, out: { dir: string; store: ArtifactStore }): Promise<number> {
  const { dir, store } = out;
  for (let i = 0; i < n; i++) {
    const image = (await pixelsOf(val.images[i]!)).pixels;
    const embedding = val.embeddings?.[i];
    const argMax = tf.tidy(() => {
      const x = tf.tensor4d(image, [1, imgSize, imgSize, 1]);
      const inputs = embedding ? [x, tf.tensor2d(embedding, [1, embedding.length])] : x;
      return (built.model.predict(inputs) as tfjs.Tensor).argMax(1);
    });
    const predicted = (await argMax.data())[0] as number;
    argMax.dispose();
    const heat = await gradcamAsync(tf, built.model, built.gradcamLayer, image, imgSize, predicted, embedding);
    const index = String(i).padStart(4, "0");
    const name = `gradcam_idx${index}_pred${predicted}_true${val.labels[i]}`;
    const input = `gradcam_idx${index}_input.png`;
    writeFileAtomic(join(dir, `${name}.png`), encodePng(imgSize, imgSize, overlayHeatmap(image, heat.values, imgSize), 3));
    writeFileAtomic(join(dir, input), greyPng(image, imgSize));
    store.writeJson(gradcamJson, join(dir, `${name}.json`), {
      index: i,
      predicted,
      true: val.labels[i] as number,
      heatmap: { width: heat.map.width, height: heat.map.height, values: Array.from(heat.map.values, (v) => Math.round(v * 1e6) / 1e6) },
      input_png: input,
    });
  }
  return n;
}
