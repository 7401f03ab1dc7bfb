import type * as tfjs from "@tensorflow/tfjs";
import { join } from "node:path";
import type { Logger } from "../log/index.ts";
import { computeValMetrics, type ValMetrics } from "../metrics/index.ts";
import type { TrainingData } from "./inputs.ts";
import type { Network } from "./network.ts";
import { testMetricsJson, testPredictionsCsv, writePredictions } from "./outputs.ts";
import type { ArtifactStore } from "../task/index.ts";
import type { TrainParams } from "./params.ts";
import { evaluateAsync } from "./step.ts";

type TF = typeof tfjs;

/** What the held-out test part gave, for summary.json. */
export type TestResult = ValMetrics & { epoch: number };

const f4 = (v: number | null) => (v === null ? "n/a" : v.toFixed(4));

/**
 * The final evaluation of a run, on the held-out test part of its split.json: once, after
 * training, with the best epoch's weights already restored into `network` (inference mode: no
 * dropout, batch-norm moving statistics). Writes `metrics/test_metrics.json` (the keys of
 * val_metrics.json, `epoch` being the best epoch evaluated) and `test_predictions.csv` (the
 * columns of val_predictions.csv). The test part is not in the data the training loop gets, so
 * it cannot touch the weights, early stopping or the choice of the best epoch; this is the first
 * time the model sees it. Null (nothing written) when the split has no test part.
 */
export async function evaluateTestPart(tf: TF, network: Network, data: TrainingData, params: TrainParams, bestEpoch: number, dir: string, out: { store: ArtifactStore; log: Logger }): Promise<TestResult | null> {
  const part = data.test;
  if (!part) return null;
  // read asynchronously, once per batch (the only way on webgpu), the images streamed from the cache on this thread
  const { probs } = await evaluateAsync(tf, network.built.model, part, params.imgSize, params.batchSize, data.classWeights, { warn: (message) => out.log.warn(message) });
  const yPred = probs.map((row) => row.indexOf(Math.max(...row)));
  const metrics: TestResult = { ...computeValMetrics(part.labels, yPred, probs), epoch: bestEpoch };
  out.store.writeJson(testMetricsJson, join(dir, "metrics", "test_metrics.json"), metrics);
  writePredictions(out.store, dir, data.split.test, yPred, probs, testPredictionsCsv);
  out.log.info(
    `held-out test part (${part.labels.length} samples, best epoch ${bestEpoch}): acc ${f4(metrics.acc)}, kappa_q ${f4(metrics.kappa_quadratic)}, macro_f1 ${f4(metrics.macro_f1)}, auc_ovr ${f4(metrics.auc_ovr)}`,
  );
  return metrics;
}
