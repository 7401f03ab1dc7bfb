import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import { readJson, sha256, writeFileAtomic } from "../artifacts/index.ts";
import { TaskError } from "../errors/index.ts";
// Registers SeededDropout with tf.serialization, so saved models load.
import "./seeded-dropout.ts";
// Registers the torchvision variant's layers (ImageNetInput, TorchBatchNorm, StochasticDepth) likewise.
import "./torch-layers.ts";

const WEIGHTS_FILE = "weights.bin";

const weightSpecSchema = z.looseObject({
  name: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  dtype: z.enum(["float32", "int32", "bool", "string", "complex64"]),
  quantization: z.looseObject({ dtype: z.enum(["uint8", "uint16", "float16"]) }).optional(),
});
const modelJsonSchema = z.looseObject({
  modelTopology: z.record(z.string(), z.unknown()),
  format: z.string().optional(),
  generatedBy: z.string().optional(),
  convertedBy: z.string().nullable().optional(),
  trainingConfig: z.record(z.string(), z.unknown()).optional(),
  userDefinedMetadata: z.record(z.string(), z.unknown()).optional(),
  weightsManifest: z.array(z.object({ paths: z.array(z.string()).min(1), weights: z.array(weightSpecSchema) })),
});

/**
 * Saves `model` as tfjs's layers-model format: `dir/weights.bin`, then `dir/model.json` (each
 * written atomically). tfjs's own `file://` handler exists only with tfjs-node. model.json records
 * the SHA-256 of weights.bin, so a crash between the two writes is caught on load instead of
 * silently pairing a topology with other weights. The output is byte-for-byte a function of the
 * model (no timestamps).
 */
export async function saveModelTo(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      if (artifacts.weightData === undefined || artifacts.weightSpecs === undefined) {
        throw new TaskError("model_save_failed", `saving model to ${dir}: tfjs produced no weights`);
      }
      const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
      writeFileAtomic(join(dir, WEIGHTS_FILE), weights);
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        ...(artifacts.trainingConfig === undefined ? {} : { trainingConfig: artifacts.trainingConfig }),
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs }],
        userDefinedMetadata: { weightsSha256: sha256(weights) },
      };
      writeFileAtomic(join(dir, "model.json"), `${JSON.stringify(modelJson, null, 1)}\n`);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
    { includeOptimizer: false },
  );
}

/** A model directory read from disk: model.json's fields with the weights concatenated. */
export function readModelArtifacts(dir: string): tf.io.ModelArtifacts & { weightSpecs: tf.io.WeightsManifestEntry[]; weightData: ArrayBuffer } {
  const jsonPath = join(dir, "model.json");
  const json = readJson(jsonPath, modelJsonSchema, "model");
  const weightSpecs = json.weightsManifest.flatMap((group) => group.weights) as tf.io.WeightsManifestEntry[];
  const parts = json.weightsManifest.flatMap((group) => group.paths).map((path) => {
    const file = join(dir, path);
    if (!existsSync(file)) throw new TaskError("model_unreadable", `missing weights file ${file} (listed in ${jsonPath})`, { exitCode: 2 });
    return readFileSync(file);
  });
  const bytes = Buffer.concat(parts);
  const expected = weightSpecs.reduce((n, spec) => n + weightBytes(spec), 0);
  if (bytes.byteLength !== expected) {
    throw new TaskError("model_unreadable", `weights of ${jsonPath}: ${bytes.byteLength} bytes on disk, the manifest needs ${expected}`, { exitCode: 2 });
  }
  const recorded = json.userDefinedMetadata?.weightsSha256;
  if (typeof recorded === "string" && recorded !== sha256(bytes)) {
    throw new TaskError("model_unreadable", `weights of ${jsonPath} do not match the SHA-256 recorded in it (${recorded}): a save was interrupted`, {
      exitCode: 2,
    });
  }
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const artifacts: tf.io.ModelArtifacts & { weightSpecs: tf.io.WeightsManifestEntry[]; weightData: ArrayBuffer } = {
    modelTopology: json.modelTopology,
    weightSpecs,
    weightData,
  };
  if (json.format !== undefined) artifacts.format = json.format;
  if (json.generatedBy !== undefined) artifacts.generatedBy = json.generatedBy;
  if (json.trainingConfig !== undefined) artifacts.trainingConfig = json.trainingConfig as unknown as tf.io.TrainingConfig;
  return artifacts;
}

/** Loads a model saved by saveModelTo (or any tfjs layers-model directory) without tfjs-node. */
export async function loadModelFrom(tfjs: typeof tf, dir: string): Promise<tf.LayersModel> {
  const artifacts = readModelArtifacts(dir);
  try {
    return await tfjs.loadLayersModel(tfjs.io.fromMemory(artifacts));
  } catch (err) {
    throw new TaskError("model_unreadable", `cannot load the model in ${join(dir, "model.json")}: ${(err as Error).message}`, { exitCode: 2, cause: err });
  }
}

/**
 * SHA-256 fingerprint of a model's weights: for every weight in order of its name (the name
 * it was created with, e.g. "stem_conv/kernel", stable across builds in one process), the
 * UTF-8 name, a NUL, the shape joined by "x", a NUL, then the values as float32 little-endian.
 * Equal only for equal names, shapes and bit-identical values.
 */
export function weightsSha256(model: tf.LayersModel): string {
  const weights = [...model.weights].sort((a, b) => (a.originalName < b.originalName ? -1 : a.originalName > b.originalName ? 1 : 0));
  const chunks: Uint8Array[] = [];
  for (const weight of weights) {
    chunks.push(Buffer.from(`${weight.originalName}\0${weight.shape.join("x")}\0`, "utf8"));
    const values = weight.read().dataSync();
    const bytes = new DataView(new ArrayBuffer(values.length * 4));
    for (let i = 0; i < values.length; i++) bytes.setFloat32(i * 4, Number(values[i]), true);
    chunks.push(new Uint8Array(bytes.buffer));
  }
  return sha256(Buffer.concat(chunks));
}

function weightBytes(spec: tf.io.WeightsManifestEntry): number {
  const count = spec.shape.reduce((p, d) => p * d, 1);
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const size: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, complex64: 8 };
  const bytes = size[dtype];
  if (bytes === undefined) throw new TaskError("model_unreadable", `weight ${spec.name}: unsupported dtype ${dtype}`, { exitCode: 2 });
  return count * bytes;
}
