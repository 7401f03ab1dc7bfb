import { existsSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { hashJson, sha256File } from "../artifacts/index.ts";
import { checkReadable, loadDataset, prepareImages, type Dataset } from "../dataset/index.ts";
import { usageError } from "../errors/index.ts";
import type { Logger } from "../log/index.ts";
import type { TaskContext } from "../task/index.ts";
import { autoClassWeights, classCounts } from "./class-weights.ts";
import { chooseSplit, type TrainSplit } from "./data.ts";
import { embeddingsFor, loadEmbeddings } from "./embeddings.ts";
import { runSourceSeeds, type TrainParams } from "./params.ts";
import type { DataPart } from "./step.ts";

export const NUM_CLASSES = 4;

/** The data a run trains and validates on, and what identifies it. */
export interface TrainingData {
  dataset: Dataset;
  split: TrainSplit;
  train: DataPart;
  val: DataPart;
  /** The held-out test part (null without one): never given to the training loop, evaluated once at the end. */
  test: DataPart | null;
  /** Length of the fused per-accession embedding (0 = none). */
  embeddingDim: number;
  /** Input files by path with their SHA-256 (summary.json's envelope). */
  inputFiles: Record<string, string>;
  /** The data identity under stable names (summary.json's `data_hashes`). */
  dataHashes: Record<string, string>;
  /** Loss weight per class (`--class-weights auto`), or null. */
  classWeights: number[] | null;
}

/** SHA-256 of a file, or of every file under a directory (a Keras weights folder), by path. */
function hashTree(path: string): Record<string, string> {
  if (!statSync(path).isDirectory()) return { [path]: sha256File(path) };
  const files = [...new Bun.Glob("**/*").scanSync({ cwd: path, onlyFiles: true })].sort();
  return Object.fromEntries(files.map((f) => [join(path, f), sha256File(join(path, f))]));
}

/** Refuses a missing input path before anything else happens, naming the flag and the path. */
export function checkInputPaths(params: TrainParams): void {
  const need = (flag: string, path: string | undefined, kind: "file" | "directory" | "any") => {
    if (path === undefined) return;
    if (!existsSync(path)) throw usageError("missing_input", `${flag} ${path}: no such ${kind === "any" ? "file or directory" : kind}`);
    const isDir = statSync(path).isDirectory();
    if (kind === "file" && isDir) throw usageError("missing_input", `${flag} ${path}: is a directory (expected a file)`);
    if (kind === "directory" && !isDir) throw usageError("missing_input", `${flag} ${path}: is not a directory`);
  };
  need("--csv", params.csv, "file");
  need("--dicom-root", params.dicomRoot, "directory");
  need("--split", params.split, "file");
  need("--embeddings-dir", params.embeddingsDir, "directory");
  need("--pretrained", params.pretrained, "any");
  // A split.json carries the seed it was drawn with; a second, different split seed would be recorded but never used.
  if (params.split && params.seedSplit !== undefined) {
    throw usageError("bad_value", `--seed-split ${params.seedSplit} cannot be combined with --split ${params.split} (the split comes from that file; make it with the split task's --seed)`);
  }
}

/**
 * Reads the labels and the archive, checks the readable fraction, chooses the split, loads the
 * preprocessed images and the embeddings, and weighs the classes: every data error surfaces here,
 * before the run directory is made.
 */
export async function loadTrainingData(params: TrainParams, ctx: Pick<TaskContext, "progress">, log: Logger): Promise<TrainingData> {
  const dataset = await loadDataset(
    { csv: params.csv, dicomRoot: params.dicomRoot, includeClass5: params.includeClass5, views: params.views, labelCoding: params.labelCoding, format: params.format, cacheDir: params.cacheDir, preprocess: { imgSize: params.imgSize, window: params.window } },
    { log, progress: ctx.progress },
  );
  checkReadable(dataset, params.minReadable);
  const split = chooseSplit(dataset, { ...params, seed: runSourceSeeds(params).split }, log);
  // Every image gets a cache entry here, the test part's too, so a bad file stops the run before it
  // starts; the parts keep where the entries are, not the pixels (read batch by batch, each read
  // checking the payload's SHA-256 and rebuilding a damaged entry, so here only headers are read).
  const { images } = await prepareImages([...split.train, ...split.val, ...split.test], { imgSize: params.imgSize, window: params.window, cacheDir: params.cacheDir, verify: "header" }, { log, progress: ctx.progress });
  const nTrainVal = split.train.length + split.val.length;
  const train: DataPart = { images: images.slice(0, split.train.length), labels: split.train.map((s) => s.label - 1) };
  const val: DataPart = { images: images.slice(split.train.length, nTrainVal), labels: split.val.map((s) => s.label - 1) };
  const test: DataPart | null = split.test.length ? { images: images.slice(nTrainVal), labels: split.test.map((s) => s.label - 1) } : null;

  const inputFiles: Record<string, string> = { [params.csv]: sha256File(params.csv) };
  if (params.split) inputFiles[params.split] = sha256File(params.split);
  const dataHashes: Record<string, string> = { csv: inputFiles[params.csv] as string, data_fingerprint: dataset.fingerprint, split_hash: split.splitHash };
  if (params.split) dataHashes.split_json = inputFiles[params.split] as string;
  if (params.pretrained) {
    // The starting weights are an input like the data: two checkpoints at one path must not look alike.
    const weights = Object.entries(hashTree(params.pretrained));
    for (const [file, sha] of weights) inputFiles[file] = sha;
    dataHashes.pretrained = hashJson(weights.map(([f, h]) => [relative(params.pretrained as string, f), h]));
  }

  let embeddingDim = 0;
  if (params.embeddingsDir) {
    const embeddings = loadEmbeddings(params.embeddingsDir);
    train.embeddings = embeddingsFor(embeddings, split.train.map((s) => s.accession), params.embeddingsDir);
    val.embeddings = embeddingsFor(embeddings, split.val.map((s) => s.accession), params.embeddingsDir);
    if (test) test.embeddings = embeddingsFor(embeddings, split.test.map((s) => s.accession), params.embeddingsDir);
    embeddingDim = embeddings.dim;
    const [features, metadata] = embeddings.files as [string, string];
    inputFiles[features] = sha256File(features);
    inputFiles[metadata] = sha256File(metadata);
    dataHashes.embeddings_features = inputFiles[features] as string;
    dataHashes.embeddings_metadata = inputFiles[metadata] as string;
    log.info(`embeddings: ${embeddings.dim}-d from ${params.embeddingsDir} (${embeddings.byAccession.size} accessions), fused with the image features`);
  }

  const counts = classCounts(train.labels, NUM_CLASSES);
  const classWeights = params.classWeights === "auto" ? autoClassWeights(train.labels, NUM_CLASSES) : null;
  log.info(`train class counts A-D: ${counts.join(", ")}; class weights: ${classWeights ? `auto [${classWeights.map((w) => w.toFixed(4)).join(", ")}] (N/(K*n_c))` : "none"}`);
  if (params.samplerWeighted) log.info("sampler: weighted, 1/n_class with replacement (stream sampler/epoch/<e>)");
  return { dataset, split, train, val, test, embeddingDim, inputFiles, dataHashes, classWeights };
}
