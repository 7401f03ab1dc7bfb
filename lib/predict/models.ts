import type * as tfjs from "@tensorflow/tfjs";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { readJson } from "../artifacts/index.ts";
import { TaskError, usageError } from "../errors/index.ts";
import { loadModelFrom, weightsSha256 } from "../models/index.ts";
import { runState } from "../runs/index.ts";
import { summarySchema } from "../train/summary.ts";

type TF = typeof tfjs;

/**
 * How images must be prepared for a model: the fields `predict` compares, named as summary.json
 * names them. `channels` comes from the model's input layer, the others from summary.json.
 */
export interface Preprocessing {
  /** Side of the square input, pixels. */
  img_size: number;
  /** Intensity window (`--window`): percentile or voi. */
  window: string;
  /** Image channels of the model's input (the archive's grey images have 1; 3 = grey repeated). */
  channels: number;
}

export const PREPROCESSING_FIELDS = ["img_size", "window", "channels"] as const;

/** The flag of each field, for messages. */
const FLAG: Record<keyof Preprocessing, string> = { img_size: "--img-size", window: "--window", channels: "--channels" };

/** One trained model, loaded from its run directory. */
export interface RunModel {
  /** `model_1`, `model_2`, … in the order the runs were given. */
  name: string;
  dir: string;
  seed: number | null;
  model: tfjs.LayersModel;
  preprocessing: Preprocessing;
  /** Length of the embedding input, 0 when the model takes the image only. */
  embeddingDim: number;
  /** The feature map Grad-CAM looks at: the layer the head's average pool reads. */
  gradcamLayer: string;
  weightsSha256: string;
}

/** What predict needs of summary.json (`window` is absent in runs made before --window existed: percentile). */
const summaryPart = summarySchema.pick({ seed: true, img_size: true, window: true }).partial({ window: true });

/**
 * Loads the best model of a finished run (`<dir>/best_model`, written by `train`) with what
 * identifies its preprocessing. Refuses a run that did not finish, a missing model, and a model
 * whose input size disagrees with its summary.json.
 */
export async function loadRunModel(tf: TF, dir: string, name: string): Promise<RunModel> {
  const state = runState(dir);
  if (state.state !== "finished") {
    throw usageError("bad_run", `--run ${dir}: not a finished training run (${state.state}${state.error ? `: ${state.error}` : ""}; no summary.json)`);
  }
  const modelDir = join(dir, "best_model");
  if (!existsSync(join(modelDir, "model.json"))) throw usageError("bad_run", `--run ${dir}: no best model (missing ${join(modelDir, "model.json")})`);
  const summary = readJson(join(dir, "summary.json"), summaryPart, "run summary");
  const model = await loadModelFrom(tf, modelDir);
  const shape = model.inputs[0]?.shape ?? [];
  const [, height, width, channels] = shape;
  if (height !== summary.img_size || width !== summary.img_size) {
    model.dispose();
    throw new TaskError("bad_run", `--run ${dir}: the model's input is ${height}×${width} but summary.json says img_size ${summary.img_size}`, { exitCode: 2 });
  }
  const pool = model.layers.find((l) => l.name === "avg_pool");
  const gradcamLayer = pool?.inboundNodes[0]?.inboundLayers[0]?.name ?? "";
  return {
    name,
    dir,
    seed: summary.seed ?? null,
    model,
    preprocessing: { img_size: summary.img_size, window: summary.window ?? "percentile", channels: channels ?? 1 },
    embeddingDim: model.inputs.length > 1 ? (model.inputs[1]?.shape[1] ?? 0) : 0,
    gradcamLayer,
    weightsSha256: weightsSha256(model),
  };
}

/**
 * The preprocessing every model shares, checked against what predict was given (`given`, from
 * its flags; a field left out takes the models' value). Refuses, naming the field, a model whose
 * preprocessing differs from the given one or from the first model's: its probabilities would be
 * computed on images prepared another way, and an ensemble would average unlike things.
 */
export function checkPreprocessing(models: readonly RunModel[], given: Partial<Preprocessing>): Preprocessing {
  const first = models[0];
  if (!first) throw usageError("no_runs", "predict needs at least one --run");
  for (const m of models) {
    for (const field of PREPROCESSING_FIELDS) {
      if (m.preprocessing[field] !== first.preprocessing[field]) {
        throw usageError(
          "preprocessing_mismatch",
          `--run ${m.dir}: ${field} ${JSON.stringify(m.preprocessing[field])} differs from ${JSON.stringify(first.preprocessing[field])} of --run ${first.dir}; models of one ensemble must see the same images`,
        );
      }
    }
  }
  for (const field of PREPROCESSING_FIELDS) {
    const value = given[field];
    if (value !== undefined && value !== first.preprocessing[field]) {
      throw usageError(
        "preprocessing_mismatch",
        `--run ${first.dir}: the model was trained with ${field} ${JSON.stringify(first.preprocessing[field])}, predict was given ${field} ${JSON.stringify(value)} (${FLAG[field]}): refusing, its inputs would be prepared differently`,
      );
    }
  }
  return first.preprocessing;
}
