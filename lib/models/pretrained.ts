import { existsSync, statSync } from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { usageError } from "../errors/index.ts";
import { readModelArtifacts } from "./io.ts";
import { isTorchvisionModel, loadTorchvisionWeights } from "./pretrained-torchvision.ts";
import { readStateDict } from "./torch-file/index.ts";

/** What loadPretrained did, by layer name. */
export interface PretrainedReport {
  /** What was read: a tfjs layers-model directory, a torch.save archive or a .safetensors file. */
  format: "tfjs" | "pth" | "safetensors";
  /** Layers whose weights were all found with the right shapes (or adapted) and loaded. */
  matched: string[];
  /** Layers with weights of which at least one is not in the file (left as initialised). */
  missing: string[];
  /** Weights found under the right name with another shape (the layer is left as initialised). */
  shapeMismatch: { layer: string; expected: number[]; got: number[] }[];
  /** Layers loaded after summing a 3-channel kernel over its input channels (also in matched). */
  adapted: string[];
  /** Torch files: state-dict keys not loaded (ImageNet's 1000-class classifier), num_batches_tracked aside. */
  unused?: string[];
}

/**
 * Loads pretrained weights into `model` from `path` (never from the network):
 * - a torchvision checkpoint file, `torch.save` (.pth) or `.safetensors`, into
 *   efficientnet-b0-torchvision (loadTorchvisionWeights; the file's content, not its name,
 *   says which format). The .pth pickle is interpreted, never executed.
 * - a tfjs layers-model directory into the Keras-layout models (loadKerasDirectory).
 * A file for a Keras-layout model, or a directory for the torchvision variant, is a usage error
 * naming the --arch it needs.
 */
export async function loadPretrained(model: tf.LayersModel, path: string): Promise<PretrainedReport> {
  if (!existsSync(path)) throw usageError("pretrained_missing", `--pretrained ${path}: no such file or directory`);
  const torchvision = isTorchvisionModel(model);
  if (statSync(path).isDirectory()) {
    if (torchvision) {
      throw usageError("pretrained_arch", `--pretrained ${path} is a tfjs/Keras weights directory; efficientnet-b0-torchvision loads a torchvision checkpoint file (.pth or .safetensors): use --arch efficientnet-b0 for Keras weights`);
    }
    return loadKerasDirectory(model, path);
  }
  const { format, tensors } = readStateDict(path);
  if (!torchvision) {
    throw usageError(
      "pretrained_arch",
      `--pretrained ${path} holds PyTorch weights (${format}); they load into --arch efficientnet-b0-torchvision, which computes torchvision's EfficientNet-B0 (this model, ${model.name}, pads and normalises differently)`,
    );
  }
  return loadTorchvisionWeights(model, tensors, path, format);
}

/**
 * Loads weights by name from a tfjs layers-model directory on disk (model.json + weight files;
 * no network), e.g. keras.applications.EfficientNetB0 converted with tensorflowjs_converter,
 * or a model saved by saveModelTo. A weight `<layer>/<name>` of `model` takes the file's weight
 * of the same name, or the only one ending in `/<layer>/<name>` (converters may prefix the model
 * name). A layer is loaded only when all its weights are found with matching shapes, except that
 * a kernel [kh, kw, 1, co] accepts [kh, kw, 3, co] summed over its input channels: for a grey
 * image that is exactly the RGB network fed the image in all three channels.
 */
async function loadKerasDirectory(model: tf.LayersModel, dir: string): Promise<PretrainedReport> {
  const artifacts = readModelArtifacts(dir);
  const source = tf.io.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
  const names = Object.keys(source);
  const report: PretrainedReport = { format: "tfjs", matched: [], missing: [], shapeMismatch: [], adapted: [] };
  try {
    for (const layer of model.layers) {
      if (layer.weights.length === 0) continue;
      const values: tf.Tensor[] = [];
      let missing = false;
      let mismatch = false;
      let adapted = false;
      for (const weight of layer.weights) {
        const key = weight.originalName;
        const shape = weight.shape as number[];
        const found = source[key] ?? uniqueSuffixMatch(source, names, `/${key}`);
        if (found === undefined) {
          missing = true;
          continue;
        }
        if (sameShape(found.shape, shape)) {
          values.push(found);
        } else if (isGreyOfRgb(shape, found.shape)) {
          values.push(tf.sum(found, 2, true));
          adapted = true;
        } else {
          mismatch = true;
          report.shapeMismatch.push({ layer: layer.name, expected: [...shape], got: [...found.shape] });
        }
      }
      if (missing && !mismatch) report.missing.push(layer.name);
      if (missing || mismatch) continue;
      layer.setWeights(values);
      report.matched.push(layer.name);
      if (adapted) report.adapted.push(layer.name);
      for (const value of values) if (!names.some((n) => source[n] === value)) value.dispose();
    }
  } finally {
    tf.dispose(Object.values(source));
  }
  return report;
}

function uniqueSuffixMatch(source: tf.NamedTensorMap, names: string[], suffix: string): tf.Tensor | undefined {
  const hits = names.filter((n) => n.endsWith(suffix));
  return hits.length === 1 ? source[hits[0]!] : undefined;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function isGreyOfRgb(expected: readonly number[], got: readonly number[]): boolean {
  return expected.length === 4 && got.length === 4 && expected[2] === 1 && got[2] === 3 &&
    expected[0] === got[0] && expected[1] === got[1] && expected[3] === got[3];
}
