import * as tf from "@tensorflow/tfjs";
import { usageError } from "../errors/index.ts";
import type { PretrainedReport } from "./pretrained.ts";
import { permuteAxes, type StateDict } from "./torch-file/index.ts";

/** Where a tfjs weight of the torchvision variant lives in a torchvision state dict. */
export interface TorchvisionParam {
  /** State-dict key, e.g. `features.1.0.block.0.0.weight`, `classifier.1.bias`. */
  key: string;
  /** Axis order taking the torch layout to tfjs's (output axis i = torch axis perm[i]); null when equal. */
  perm: number[] | null;
}

/** tfjs weight name (after the layer name) → torch parameter name. */
const PARAM_NAMES: Readonly<Record<string, string>> = {
  kernel: "weight", depthwise_kernel: "weight", bias: "bias",
  gamma: "weight", beta: "bias", moving_mean: "running_mean", moving_variance: "running_var",
};

/** The classifier: tfjs's head_dense is the Linear of torchvision's `classifier` (Dropout, Linear). */
const HEAD_LAYER = "head_dense";
const HEAD_MODULE = "classifier.1";

/**
 * The state-dict key and layout of tfjs weight `originalName` (`<layer>/<weight>`) of
 * efficientnet-b0-torchvision, whose layer names are torchvision's module paths; null for a
 * weight torchvision has no counterpart for. Layouts: conv [out, in, kh, kw] → [kh, kw, in, out];
 * depthwise [C, 1, kh, kw] → [kh, kw, C, 1]; linear [out, in] → [in, out]; vectors unchanged.
 */
export function torchvisionParam(originalName: string, rank: number): TorchvisionParam | null {
  const slash = originalName.lastIndexOf("/");
  const layer = originalName.slice(0, slash);
  const weight = originalName.slice(slash + 1);
  const module = layer === HEAD_LAYER ? HEAD_MODULE : layer.startsWith("features.") ? layer : null;
  const param = PARAM_NAMES[weight];
  if (slash < 0 || module === null || param === undefined) return null;
  const perm = weight === "depthwise_kernel" ? [2, 3, 0, 1] : weight === "kernel" ? (rank === 4 ? [2, 3, 1, 0] : [1, 0]) : null;
  return { key: `${module}.${param}`, perm };
}

/** Whether `model` is the torchvision variant (its stem conv carries torchvision's module path). */
export function isTorchvisionModel(model: tf.LayersModel): boolean {
  return model.layers.some((l) => l.name === "features.0.0");
}

/**
 * Copies a torchvision EfficientNet-B0 state dict into efficientnet-b0-torchvision. The whole
 * backbone must match: a missing tensor, another shape, or a tensor the model has no place
 * for (another EfficientNet, timm's names) is an error listing them, never a half-loaded
 * network. The classifier loads only when its shape fits the model's head (a checkpoint of the
 * reference pipeline's 4-class model); ImageNet's 1000-class classifier is reported in
 * `shapeMismatch` and the head keeps its initial weights, as the reference replaces it.
 * `num_batches_tracked` counters are ignored (only BN's momentum=None mode reads them).
 */
export function loadTorchvisionWeights(model: tf.LayersModel, tensors: StateDict, file: string, format: "pth" | "safetensors"): PretrainedReport {
  const report: PretrainedReport = { format, matched: [], missing: [], shapeMismatch: [], adapted: [], unused: [] };
  const used = new Set<string>();
  const problems: string[] = [];
  // Everything is checked before any layer is written: an error leaves the model as it was.
  const planned: { layer: tf.layers.Layer; values: { values: Float32Array; shape: number[] }[] }[] = [];
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    const isHead = layer.name === HEAD_LAYER;
    const values: { values: Float32Array; shape: number[] }[] = [];
    let missing = false;
    let mismatch = false;
    for (const weight of layer.weights) {
      const expected = weight.shape as number[];
      const param = torchvisionParam(weight.originalName, expected.length);
      const found = param === null ? undefined : tensors.get(param.key);
      if (param === null || found === undefined) {
        missing = true;
        if (!isHead) problems.push(`${param?.key ?? weight.originalName} missing`);
        continue;
      }
      // The shape the file must have: the model's, in torch's axis order.
      const torchShape = param.perm ? param.perm.map((_, j) => expected[param.perm!.indexOf(j)] as number) : expected;
      if (found.shape.length !== torchShape.length || found.shape.some((d, i) => d !== torchShape[i])) {
        mismatch = true;
        if (isHead) report.shapeMismatch.push({ layer: layer.name, expected: [...expected], got: param.perm?.length === found.shape.length ? param.perm.map((p) => found.shape[p] as number) : [...found.shape] });
        else problems.push(`${param.key} has shape [${found.shape.join(", ")}] (the model needs [${torchShape.join(", ")}])`);
        continue;
      }
      const converted = param.perm ? permuteAxes(found.values, found.shape, param.perm) : { values: found.values, shape: found.shape };
      values.push(converted);
      used.add(param.key);
    }
    if (missing || mismatch) {
      if (isHead && missing && !mismatch) report.missing.push(layer.name);
      for (const weight of layer.weights) used.delete(torchvisionParam(weight.originalName, weight.shape.length)?.key ?? "");
      continue;
    }
    planned.push({ layer, values });
  }
  const ignored = (key: string) => key.endsWith(".num_batches_tracked");
  const unplaced = [...tensors.keys()].filter((k) => !used.has(k) && !ignored(k) && !k.startsWith(`${HEAD_MODULE.split(".")[0]}.`));
  if (unplaced.length > 0) problems.push(`${unplaced.length} tensors EfficientNet-B0 has no place for (${unplaced.slice(0, 3).join(", ")}${unplaced.length > 3 ? ", …" : ""})`);
  if (problems.length > 0) {
    throw usageError(
      "pretrained_mismatch",
      `--pretrained ${file}: not torchvision's EfficientNet-B0 (${problems.length} problem${problems.length > 1 ? "s" : ""}): ${problems.slice(0, 4).join("; ")}${problems.length > 4 ? "; …" : ""}`,
    );
  }
  for (const { layer, values } of planned) {
    const tensorsOf = values.map((v) => tf.tensor(v.values, v.shape, "float32"));
    layer.setWeights(tensorsOf);
    tf.dispose(tensorsOf);
    report.matched.push(layer.name);
  }
  report.unused = [...tensors.keys()].filter((k) => !used.has(k) && !ignored(k));
  return report;
}
