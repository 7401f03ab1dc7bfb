import type { CsvValue } from "../artifacts/index.ts";
import { PREDICTION_COLUMNS } from "../train/outputs.ts";
import { argMax } from "./infer.ts";
import type { PredictSample } from "./inputs.ts";

export { PREDICTION_COLUMNS };

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
