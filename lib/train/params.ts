import { z } from "zod";
import { LABEL_CODINGS } from "../dataset/labels.ts";
import { checkImgSize } from "../models/input-size.ts";
import { sourceSeeds, type SourceSeeds } from "../rng/index.ts";

/** Metrics `--select-metric` can pick the best epoch by (all higher-is-better except val_loss). */
export const SELECT_METRICS = ["macro_f1", "kappa_quadratic", "accuracy", "auc_ovr", "bal_acc", "bal_acc_adj", "val_loss"] as const;
export type SelectMetric = (typeof SELECT_METRICS)[number];

/** Values of `--backend` (lib/backend's BackendName). */
export const BACKENDS = ["auto", "gpu", "tensorflow", "webgpu", "wasm", "cpu", "native"] as const;

/**
 * Params of the `train` task (CLI flags are the kebab-case names). Defaults follow the reference
 * pipeline's `train-density` command; see REFERENCE.md.
 */
export const trainParams = z.object({
  csv: z.string().min(1).describe("classificacao.csv or a path-based CSV"),
  dicomRoot: z.string().default("archive").describe("root of the DICOM archive (<root>/<AccessionNumber>/**/*.dcm)"),
  outdir: z.string().default("outputs/mammo_efficientnetb0_density").describe("a new results* run directory is made under it"),
  runDir: z.string().optional().describe("explicit run directory (instead of a new results* under --outdir)"),
  resume: z.boolean().default(false).describe("continue the run in --run-dir (or the newest results* under --outdir) from its checkpoint"),
  arch: z.enum(["efficientnet-b0", "efficientnet-b0-torchvision", "small-cnn"]).default("efficientnet-b0")
    .describe("network; efficientnet-b0-torchvision computes torchvision's EfficientNet-B0 (grey input repeated to RGB, ImageNet-normalised) and loads its .pth/.safetensors"),
  backend: z
    .enum(BACKENDS)
    .default("auto")
    .describe("tfjs backend (the one in use is recorded): auto = a GPU, else tensorflow, native, wasm; gpu = a GPU or exit 2 (train-gpu); webgpu = Dawn on any adapter"),
  allowSoftwareGpu: z.boolean().default(false).describe("with --backend gpu (train-gpu): accept a software WebGPU adapter such as lavapipe (tests, CI)"),
  loaderWorkers: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe("worker threads that read (from the cache), augment and assemble batches ahead of the step (default: on a GPU min(4, cores − 1), else 0: on the training thread)"),
  pretrained: z.string().optional().describe("weights to start from: a torchvision EfficientNet-B0 checkpoint (.pth from torch.save, or .safetensors; with --arch efficientnet-b0-torchvision) or a tfjs/Keras model directory"),
  epochs: z.number().int().positive().default(100).describe("number of epochs (may be raised on --resume)"),
  batchSize: z.number().int().positive().default(16).describe("images per step"),
  imgSize: z.number().int().min(8).default(512).describe("side of the square network input, pixels"),
  lr: z.number().positive().default(1e-4).describe("learning rate of the head (AdamW)"),
  backboneLr: z.number().positive().default(1e-5).describe("learning rate of the unfrozen backbone layers"),
  weightDecay: z.number().nonnegative().default(1e-4).describe("AdamW decoupled weight decay (kernels only)"),
  valFrac: z.number().gt(0).lt(1).default(0.2).describe("validation fraction when train makes its own split"),
  seed: z.number().int().nonnegative().default(42).describe("root seed of every random stream (each source below follows it unless given its own)"),
  seedSplit: z.number().int().nonnegative().optional().describe("root seed of the split source: train/val assignment and --subset (default: --seed; not with --split, whose split.json has its seed)"),
  seedInit: z.number().int().nonnegative().optional().describe("root seed of the init source: initial weights, streams init/<layer> (default: --seed)"),
  seedOrder: z.number().int().nonnegative().optional().describe("root seed of the order source: batch order, streams shuffle|sampler/epoch/<e> (default: --seed)"),
  seedAugment: z.number().int().nonnegative().optional().describe("root seed of the augment source: flips and rotations, streams augment/epoch/<e> (default: --seed)"),
  seedDropout: z.number().int().nonnegative().optional().describe("root seed of the dropout source: masks, streams dropout/step/<n>/<layer> (default: --seed)"),
  subset: z.number().int().positive().optional().describe("keep N groups (patients, else accessions) drawn with the seed (stream 'subset') before splitting"),
  classWeights: z.enum(["none", "auto"]).default("none").describe("loss weights per class; auto: w_c = N / (K·n_c)"),
  samplerWeighted: z.boolean().default(false).describe("draw training samples with replacement, weight 1/n_class"),
  unfreezeLastBlock: z.boolean().default(true).describe("train the last feature blocks of the backbone at --backbone-lr"),
  trainBackbone: z.boolean().default(false).describe("train the whole backbone at --backbone-lr"),
  warmupEpochs: z.number().int().nonnegative().default(0).describe("epochs that train the head only before unfreezing"),
  trainAugment: z.boolean().default(true).describe("horizontal flip p=0.5 and rotation U(-5°, 5°) on training images"),
  earlyStopPatience: z.number().int().nonnegative().default(0).describe("stop after N epochs without improvement of --select-metric (0 = off)"),
  earlyStopMinDelta: z.number().nonnegative().default(0).describe("smallest change of --select-metric that counts as improvement"),
  lrSchedule: z.enum(["none", "plateau", "cosine", "step"]).optional().describe("learning-rate schedule (default: plateau when --lr-reduce-patience > 0, else none)"),
  lrReducePatience: z.number().int().nonnegative().default(0).describe("plateau: epochs without improvement before reducing the rates"),
  lrReduceFactor: z.number().gt(0).lt(1).default(0.5).describe("plateau/step: multiplier at each reduction"),
  lrReduceMinLr: z.number().nonnegative().default(1e-7).describe("floor of the head learning rate"),
  lrStepEpochs: z.number().int().positive().default(10).describe("step: epochs between reductions"),
  selectMetric: z.enum(SELECT_METRICS).default("macro_f1").describe("validation metric that picks the best epoch"),
  deterministic: z.boolean().default(false).describe("ask the backend for deterministic kernels (wasm and cpu always are)"),
  embeddingsDir: z.string().optional().describe("fuse per-accession embeddings (features.npy + metadata.csv) with the image features"),
  gradcamSamples: z.number().int().nonnegative().default(0).describe("Grad-CAM overlays for the first N validation images"),
  optunaTrialId: z.string().optional().describe("write optuna_trial.json for this trial id"),
  rayTrialName: z.string().optional().describe("write ray_<name>.jsonl, one line per epoch"),
  rayLogdir: z.string().optional().describe("directory for ray_<name>.jsonl (default: the run directory)"),
  includeClass5: z.boolean().default(false).describe("keep class-5 (non-standard incidence) rows"),
  split: z.string().optional().describe("split.json made by the split task (default: split here with --val-frac and --seed)"),
  fold: z.number().int().positive().optional().describe("with a k-fold --split: fold K is validation, the rest trains"),
  minReadable: z.number().min(0).max(1).default(0.99).describe("least fraction of readable DICOM files"),
  views: z.enum(["one", "all"]).default("one").describe("one image per accession or every view"),
  labelCoding: z.enum(LABEL_CODINGS).default("auto").describe("how a path-based CSV's numeric labels count: 0-3 or 1-4 (A = 0 or 1), A-D; auto tells from the values and refuses when it cannot"),
  format: z.enum(["auto", "classificacao", "paths", "cbis-ddsm", "vindr", "rsna"]).default("auto").describe("--csv layout; auto detects it from the header"),
  window: z.enum(["percentile", "voi"]).default("percentile").describe("intensity window before scaling to [0, 1]"),
  cacheDir: z.string().default(".cache/preprocessed").describe("cache of decode verdicts and preprocessed images (a read-only one is read, not written: one warning)"),
});

export type TrainParams = z.infer<typeof trainParams>;

/** What train (and cv and hpo, which take its params) check across params before anything runs: the input side against the architecture. */
export function checkTrainParams(params: Pick<TrainParams, "arch" | "imgSize">): void {
  checkImgSize(params.arch, params.imgSize);
}

/** Params that may differ between a run and its resumption (everything else must match the checkpoint). */
export const RESUME_FREE_PARAMS = ["epochs", "resume", "runDir", "outdir", "gradcamSamples", "cacheDir", "optunaTrialId", "rayTrialName", "rayLogdir", "loaderWorkers", "allowSoftwareGpu"] as const;

/**
 * The root seed of each source of the run (`--seed-<source>`, else `--seed`). With `--split` the
 * split source is whatever seed made split.json (the caller replaces it once the file is read).
 */
export function runSourceSeeds(params: Pick<TrainParams, "seed" | "seedSplit" | "seedInit" | "seedOrder" | "seedAugment" | "seedDropout">): SourceSeeds {
  return sourceSeeds(params.seed, params);
}
