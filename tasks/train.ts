import { join } from "node:path";
import { defineTask } from "../lib/task/index.ts";
import { checkTrainParams, runTraining, trainParams } from "../lib/train/index.ts";

/** What identifies a finished run; only known beforehand when --run-dir names the directory. */
const RUN_OUTPUTS = ["summary.json", "metrics/val_metrics.json", "val_predictions.csv", "train_history.csv", "best_model/weights.bin"];

export default defineTask({
  name: "train",
  description: "Train a density classifier (BI-RADS A–D) into a new results* run directory; resumable, seeded end to end",
  params: trainParams,
  check: checkTrainParams,
  examples: [
    "bun run task train --csv classificacao.csv --dicom-root archive --outdir outputs/mammo_efficientnetb0_density --epochs 20 --batch-size 16 --img-size 512 --class-weights auto --warmup-epochs 2 --seed 42",
    "bun run task train --csv data/generated/synth/classificacao.csv --dicom-root data/generated/synth/archive --arch small-cnn --img-size 64 --epochs 10 --backend wasm",
    "bun run task train --csv classificacao.csv --outdir outputs/run --resume",
  ],
  outputs: (p) => (p.runDir ? RUN_OUTPUTS.map((f) => join(p.runDir as string, f)) : []),
  run: runTraining,
});
