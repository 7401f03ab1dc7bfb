import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { sha256File } from "../artifacts/index.ts";
import type { PreprocessOptions } from "../dicom/index.ts";
import { TaskError } from "../errors/index.ts";
import { quietProgress } from "../progress/index.ts";
import { buildEntry, type BuildJob } from "./cache-build.ts";
import { checkEntry, decodeEntry } from "./cache-entry.ts";
import { DEFAULT_CACHE_DIR, cacheKey, entryPath } from "./cache-key.ts";
import { buildInWorkers } from "./decode-pool.ts";
import { silentLog, type LoadContext } from "./load.ts";
import type { Sample } from "./types.ts";

/** Preprocessing options plus where and how the cache is filled. */
export interface CacheOptions extends PreprocessOptions {
  /** Cache folder; default `.cache/preprocessed`. */
  cacheDir?: string;
  /** Workers decoding cache misses; default: every core. 1 decodes on the calling thread. */
  workers?: number;
}

/** What `prepareImages` found: entries already valid, built, or found corrupt and rebuilt. */
export interface CacheStats {
  hits: number;
  built: number;
  rebuilt: number;
}

/** Cached images of a sample list, read one at a time so that a dataset larger than memory can stream. */
export interface PreparedImages {
  /** Cache key per sample (samples with identical files share one). */
  keys: string[];
  stats: CacheStats;
  /** The preprocessed image of sample `index` (imgSize × imgSize, row-major), verified on every read. */
  read(index: number): Promise<Float32Array>;
}

async function readEntryFile(path: string): Promise<Uint8Array | null> {
  return existsSync(path) ? new Uint8Array(await readFile(path)) : null;
}

/**
 * The preprocessed image cached for `key`, or null when there is no entry or it fails
 * verification (bad magic, wrong length, checksum mismatch, other key or size).
 */
export async function readCached(key: string, options: { cacheDir?: string; imgSize: number }): Promise<Float32Array | null> {
  const bytes = await readEntryFile(entryPath(options.cacheDir ?? DEFAULT_CACHE_DIR, key));
  if (!bytes) return null;
  const entry = decodeEntry(bytes, key, options.imgSize);
  return entry.ok ? entry.pixels : null;
}

/**
 * Makes sure every sample has a valid cache entry: entries are verified, cache misses and
 * corrupt entries (logged) are decoded in parallel on Bun Workers (each writing its entries
 * atomically) or on this thread when `workers` is 1 or there is one miss. Pixels are not kept.
 */
export async function prepareImages(samples: readonly Sample[], options: CacheOptions, ctx?: LoadContext): Promise<PreparedImages> {
  const log = ctx?.log ?? silentLog;
  const cacheDir = options.cacheDir ?? DEFAULT_CACHE_DIR;
  const pre: PreprocessOptions = { imgSize: options.imgSize, window: options.window };
  const jobOf = (s: Sample): BuildJob => {
    const hash = s.sha256 ?? sha256File(s.imagePath);
    return { file: s.imagePath, sha256: hash, key: cacheKey(hash, pre), cacheDir, options: pre };
  };
  const jobs = samples.map(jobOf);
  const stats: CacheStats = { hits: 0, built: 0, rebuilt: 0 };
  const misses: BuildJob[] = [];
  const seen = new Set<string>();
  for (const job of jobs) {
    if (seen.has(job.key)) continue;
    seen.add(job.key);
    const bytes = await readEntryFile(entryPath(cacheDir, job.key));
    const problem = bytes ? checkEntry(bytes, job.key, pre.imgSize) : "missing";
    if (problem === null) {
      stats.hits++;
      continue;
    }
    if (problem !== "missing") {
      log.warn(`corrupt cache entry ${entryPath(cacheDir, job.key)} for ${job.file} (${problem}): rebuilding`);
      stats.rebuilt++;
    } else stats.built++;
    misses.push(job);
  }
  if (misses.length) {
    const workers = Math.min(options.workers ?? availableParallelism(), misses.length);
    const bar = (ctx?.progress ?? quietProgress)("preprocessing images", misses.length);
    log.debug(`preprocessing ${misses.length} images on ${workers > 1 ? `${workers} workers` : "this thread"} into ${cacheDir}`);
    try {
      if (workers > 1) await buildInWorkers(misses, workers, () => bar.increment(1));
      else
        for (const job of misses) {
          await buildEntry(job);
          bar.increment(1);
        }
    } finally {
      bar.stop();
    }
  }
  return {
    keys: jobs.map((j) => j.key),
    stats,
    async read(index) {
      const job = jobs[index];
      if (!job) throw new RangeError(`no sample ${index} (of ${jobs.length})`);
      const path = entryPath(cacheDir, job.key);
      let bytes = await readEntryFile(path);
      let entry = bytes ? decodeEntry(bytes, job.key, pre.imgSize) : ({ ok: false, problem: "missing" } as const);
      if (!entry.ok) {
        // Damaged or deleted since prepareImages verified it: rebuilt, never used.
        log.warn(`cache entry ${path} for ${job.file} ${entry.problem === "missing" ? "disappeared" : `corrupt (${entry.problem})`}: rebuilding`);
        await buildEntry(job);
        bytes = await readEntryFile(path);
        entry = bytes ? decodeEntry(bytes, job.key, pre.imgSize) : ({ ok: false, problem: "missing" } as const);
        if (!entry.ok) throw new TaskError("cache_unusable", `cache entry ${path} for ${job.file} is unusable right after writing it (${entry.problem})`);
      }
      return entry.pixels;
    },
  };
}

/**
 * Preprocessed images of `samples` (imgSize × imgSize each, row-major, values in [0, 1]) through
 * the cache. Holds them all in memory: for large datasets use `prepareImages` and read per batch,
 * or `iterateImages`.
 */
export async function loadImages(samples: readonly Sample[], options: CacheOptions, ctx?: LoadContext): Promise<Float32Array[]> {
  const prepared = await prepareImages(samples, options, ctx);
  const out: Float32Array[] = [];
  for (let i = 0; i < samples.length; i++) out.push(await prepared.read(i));
  return out;
}

/** Yields the preprocessed images of `samples` in order, `batchSize` at a time (the last batch may be shorter). */
export async function* iterateImages(samples: readonly Sample[], options: CacheOptions & { batchSize: number }, ctx?: LoadContext): AsyncGenerator<Float32Array[]> {
  if (!(options.batchSize >= 1)) throw new RangeError(`iterateImages: batchSize ${options.batchSize} (expected ≥ 1)`);
  const prepared = await prepareImages(samples, options, ctx);
  for (let start = 0; start < samples.length; start += options.batchSize) {
    const batch: Float32Array[] = [];
    for (let i = start; i < Math.min(start + options.batchSize, samples.length); i++) batch.push(await prepared.read(i));
    yield batch;
  }
}
