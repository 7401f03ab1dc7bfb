import { readFile } from "node:fs/promises";
import { sha256, writeFileAtomic } from "../artifacts/index.ts";
import { decodeDicom, preprocess, type PreprocessOptions } from "../dicom/index.ts";
import { TaskError } from "../errors/index.ts";
import { encodeEntry } from "./cache-entry.ts";
import { entryPath } from "./cache-key.ts";

/** One cache miss to fill: plain data, so it can be posted to a worker. */
export interface BuildJob {
  file: string;
  /** SHA-256 the file had when the dataset was loaded (the key was derived from it). */
  sha256: string;
  key: string;
  cacheDir: string;
  options: PreprocessOptions;
}

/**
 * Reads, decodes and preprocesses one file and writes its cache entry atomically. The file is
 * re-hashed first: one changed since loading would otherwise be stored under the old content's key.
 */
export async function buildEntry(job: BuildJob): Promise<void> {
  const bytes = new Uint8Array(await readFile(job.file));
  const actual = sha256(bytes);
  if (actual !== job.sha256) {
    throw new TaskError("file_changed", `${job.file} changed since the dataset was loaded (SHA-256 ${job.sha256.slice(0, 12)}…, now ${actual.slice(0, 12)}…): reload the dataset`);
  }
  const image = await decodeDicom(bytes, job.file);
  const pixels = preprocess(image, job.options);
  writeFileAtomic(entryPath(job.cacheDir, job.key), encodeEntry(job.key, job.options.imgSize, job.options.imgSize, pixels));
}
