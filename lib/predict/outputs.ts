import { z } from "zod";
import { METRIC_NAMES } from "../aggregate/index.ts";
import { csvInt, defineArtifact, enveloped, type CsvValue } from "../artifacts/index.ts";
import { valMetricsSchema } from "../metrics/index.ts";
import { PREDICTION_COLUMNS, predictionRowSchema } from "../train/outputs.ts";
import { argMax } from "./infer.ts";
import type { PredictSample } from "./inputs.ts";

export { PREDICTION_COLUMNS };

/** A predict row: the columns of val_predictions.csv, the label and y_true empty for an unlabelled CSV. */
export const predictRowSchema = predictionRowSchema.extend({
  professional_label: csvInt.or(z.literal("")),
  y_true: predictionRowSchema.shape.y_true.or(z.literal("")),
});

export const predictionsCsv = defineArtifact({
  name: "predictions",
  path: "<outdir>/predictions.csv, <outdir>/predictions_<model>.csv",
  format: "csv",
  schema: predictRowSchema,
  enveloped: false,
  writer: "tasks/predict.ts",
  readers: ["lib/aggregate/read.ts (parsePredictions)"],
  description: "predict's output, one row per image with the columns of val_predictions.csv: the ensemble's (or the one model's) predictions; with several runs, predictions_model_<i>.csv per model.",
  version: 1,
});

const num = z.number().nullable();
const intervalSchema = z.object({ estimate: num, low: num, high: num, bca_low: num, bca_high: num, undefined_resamples: z.number().int() });
const evaluationShape = {
  /** Every metric of val_metrics.json on all images. */
  metrics: valMetricsSchema.omit({ epoch: true }),
  /** Patient-level bootstrap intervals per metric. */
  intervals: z.object(Object.fromEntries(METRIC_NAMES.map((m) => [m, intervalSchema])) as Record<(typeof METRIC_NAMES)[number], typeof intervalSchema>),
};

export const predictMetricsJson = defineArtifact({
  name: "predict_metrics",
  path: "<outdir>/metrics.json",
  format: "json",
  schema: enveloped(
    z.object({
      csv: z.string(),
      dicom_root: z.string(),
      n_images: z.number().int(),
      n_patients: z.number().int(),
      preprocessing: z.object({ img_size: z.number().int(), window: z.string(), channels: z.number().int() }),
      bootstrap: z.object({ resamples: z.number().int(), unit: z.literal("patient"), seed: z.number().int(), stream: z.string(), confidence: z.number(), intervals: z.array(z.enum(["percentile", "bca"])) }),
      models: z.array(z.object({ name: z.string(), run: z.string(), seed: z.number().int().nullable(), weights_sha256: z.string(), predictions: z.string(), ...evaluationShape })),
      ensemble: z.object({ members: z.array(z.string()), rule: z.string(), predictions: z.string(), ...evaluationShape }).nullable(),
      /** Grad-CAM overlays written (PNG paths). */
      gradcam: z.array(z.string()),
    }),
  ),
  enveloped: true,
  writer: "tasks/predict.ts",
  readers: [],
  description: "With a labelled CSV: each model's and the ensemble's metrics on the archive with patient-bootstrap intervals (percentile, BCa), the preprocessing used, and the prediction files they are about.",
  version: 1,
});

/**
 * Rows of a predictions CSV with the columns of val_predictions.csv: professional label 1–4 and
 * y_true 0–3 (empty for an unlabelled CSV), y_pred 0–3, p_A..p_D, patient_id.
 */
export function predictionRows(samples: readonly PredictSample[], probs: readonly number[][]): CsvValue[][] {
  return samples.map((s, i) => {
    const p = probs[i] as number[];
    return [s.accession, s.imagePath, s.label, s.label === null ? null : s.label - 1, argMax(p), p[0], p[1], p[2], p[3], s.patientId];
  });
}
