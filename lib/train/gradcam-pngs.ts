import type * as tfjs from "@tensorflow/tfjs";
import { join } from "node:path";
import { writeFileAtomic, writeJsonAtomic } from "../artifacts/index.ts";
import { gradcamAsync, type BuiltModel } from "../models/index.ts";
import { pixelsOf } from "./feed-batch.ts";
import { overlayHeatmap } from "./overlay.ts";
import { encodePng } from "./png.ts";
import type { DataPart } from "./step.ts";

type TF = typeof tfjs;

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
export async function writeGradcams(tf: TF, built: Pick<BuiltModel, "model" | "gradcamLayer">, val: DataPart, imgSize: number, n: number, dir: string): Promise<number> {
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
    writeJsonAtomic(join(dir, `${name}.json`), {
      index: i,
      predicted,
      true: val.labels[i],
      heatmap: { width: heat.map.width, height: heat.map.height, values: Array.from(heat.map.values, (v) => Math.round(v * 1e6) / 1e6) },
      input_png: input,
    });
  }
  return n;
}
