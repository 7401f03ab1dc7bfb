import type * as tfjs from "@tensorflow/tfjs";
import { join } from "node:path";
import { writeFileAtomic } from "../artifacts/index.ts";
import { usageError } from "../errors/index.ts";
import { gradcam } from "../models/index.ts";
import { overlayHeatmap } from "../train/overlay.ts";
import { encodePng } from "../train/png.ts";
import type { InferenceInputs } from "./infer.ts";
import { argMax } from "./infer.ts";
import type { PredictSample } from "./inputs.ts";
import type { RunModel } from "./models.ts";

type TF = typeof tfjs;

/** Accessions asked for that no sample has, for a usage error before any model runs. */
export function unknownAccessions(samples: readonly PredictSample[], accessions: readonly string[]): string[] {
  const known = new Set(samples.map((s) => s.accession));
  return accessions.filter((a) => !known.has(a));
}

/**
 * Grad-CAM overlays of every image of the chosen accessions with one model:
 * `<dir>/<model name>/gradcam_<accession>_<view>_pred<p>[_true<t>].png` (p, t class indices 0..3
 * as in val_predictions.csv; view = the image's index within its accession). The map explains
 * the class the model predicts. Returns the files written.
 */
export function writeGradcams(tf: TF, model: RunModel, inputs: InferenceInputs, samples: readonly PredictSample[], probs: readonly number[][], accessions: readonly string[], dir: string): string[] {
  const missing = unknownAccessions(samples, accessions);
  if (missing.length) throw usageError("unknown_accession", `--gradcam ${missing.join(", ")}: no such accession among the images predicted`);
  if (!model.gradcamLayer) throw usageError("no_gradcam", `--run ${model.dir}: the model has no avg_pool layer to take Grad-CAM from`);
  const wanted = new Set(accessions);
  const views = new Map<string, number>();
  const written: string[] = [];
  samples.forEach((s, i) => {
    if (!wanted.has(s.accession)) return;
    const view = views.get(s.accession) ?? 0;
    views.set(s.accession, view + 1);
    const grey = inputs.images[i] as Float32Array;
    const image = inputs.channels === 1 ? grey : Float32Array.from({ length: grey.length * inputs.channels }, (_, j) => grey[Math.floor(j / inputs.channels)] as number);
    const predicted = argMax(probs[i] as number[]);
    const heat = gradcam(tf, model.model, model.gradcamLayer, image, inputs.imgSize, predicted, inputs.embeddings?.[i]);
    const png = encodePng(inputs.imgSize, inputs.imgSize, overlayHeatmap(grey, heat.values, inputs.imgSize), 3);
    const name = `gradcam_${s.accession}_${view}_pred${predicted}${s.label === null ? "" : `_true${s.label - 1}`}.png`;
    const path = join(dir, model.name, name);
    writeFileAtomic(path, png);
    written.push(path);
  });
  return written;
}
