import type * as tfjs from "@tensorflow/tfjs";
import { join } from "node:path";
import { writeFileAtomic } from "../artifacts/index.ts";
import { gradcam, type BuiltModel } from "../models/index.ts";
import { overlayHeatmap } from "./overlay.ts";
import { encodePng } from "./png.ts";
import type { DataPart } from "./step.ts";

type TF = typeof tfjs;

/**
 * Grad-CAM overlays of the first `n` validation images with the model's current weights (the
 * best epoch's): `gradcam_idx0000_pred2_true2.png`, with class indices 0..3 as in
 * val_predictions.csv. The map explains the predicted class. Returns the number written.
 */
export function writeGradcams(tf: TF, built: Pick<BuiltModel, "model" | "gradcamLayer">, val: DataPart, imgSize: number, n: number, dir: string): number {
  for (let i = 0; i < n; i++) {
    const image = val.images[i] as Float32Array;
    const embedding = val.embeddings?.[i];
    const predicted = tf.tidy(() => {
      const x = tf.tensor4d(image, [1, imgSize, imgSize, 1]);
      const inputs = embedding ? [x, tf.tensor2d(embedding, [1, embedding.length])] : x;
      return (built.model.predict(inputs) as tfjs.Tensor).argMax(1).dataSync()[0] as number;
    });
    const heat = gradcam(tf, built.model, built.gradcamLayer, image, imgSize, predicted, embedding);
    const png = encodePng(imgSize, imgSize, overlayHeatmap(image, heat, imgSize), 3);
    const name = `gradcam_idx${String(i).padStart(4, "0")}_pred${predicted}_true${val.labels[i]}.png`;
    writeFileAtomic(join(dir, name), png);
  }
  return n;
}
