import { sha256File } from "../artifacts/index.ts";
import type { PreprocessOptions } from "../dicom/index.ts";
import { TaskError } from "../errors/index.ts";
import { quietProgress } from "../progress/index.ts";
import { checkEntry, decodeEntry } from "./cache-entry.ts";
import { readEntryFile } from "./cache-io.ts";
import { DEFAULT_CACHE_DIR, cacheKey, entryPath } from "./cache-key.ts";
import { checkFile, type CheckJob, type FileVerdict } from "./check.ts";
import { checkFiles } from "./decode-pool.ts";
import { openCache } from "./cache-access.ts";
import { silentLog, type LoadContext } from "./load-context.ts";
import type { Sample } from "./types.ts";

/** Preprocessing options plus where and how the cache is filled. */
export interface CacheOptions extends PreprocessOptions {
  /** Cache folder; default `.cache/preprocessed`. A read-only one is read, not written (one warning). */
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

/** A sample's file no longer decodes (the decoder changed since loading, say): an error naming it. */
function decodeFailure(verdict: FileVerdict): TaskError {
  return new TaskError("dicom_unreadable", verdict.readable ? `${verdict.file}: no preprocessed image` : verdict.message);
}

/**
 * Makes sure every sample has a valid cache entry: entries are verified, cache misses and
 * corrupt entries (logged) are decoded in parallel on Bun Workers (each writing its entries
 * atomically) or on this thread when `workers` is 1 or there are few misses. Pixels are not kept,
 * except when the cache cannot be written (read-only `cacheDir`: one warning, then the misses
 * are held in memory as encoded entries, so the images are the same bits as from a cache).
 */
export async function prepareImages(samples: readonly Sample[], options: CacheOptions, ctx?: LoadContext): Promise<PreparedImages> {
  const log = ctx?.log ?? silentLog;
  const cache = openCache(options.cacheDir ?? DEFAULT_CACHE_DIR, log);
  const cacheDir = cache.dir;
  const pre: PreprocessOptions = { imgSize: options.imgSize, window: options.window };
  const jobs = samples.map((s) => {
    const hash = s.sha256 ?? sha256File(s.imagePath);
    return { file: s.imagePath, sha256: hash, key: cacheKey(hash, pre) };
  });
  const checkJob = (j: (typeof jobs)[number], returnEntry: boolean): CheckJob => ({
    file: j.file,
    sha256: j.sha256,
    cacheDir,
    writable: cache.writable,
    preprocess: pre,
    returnEntry,
  });
  // Entries that exist only here: the cache could not take them.
  const memory = new Map<string, Uint8Array>();
  const keep = (verdict: FileVerdict) => {
    if (!verdict.readable || verdict.key === undefined) throw decodeFailure(verdict);
    if (verdict.cacheError) cache.writeFailed(verdict.cacheError);
    if (verdict.entry) memory.set(verdict.key, verdict.entry);
  };
  const stats: CacheStats = { hits: 0, built: 0, rebuilt: 0 };
  const misses: CheckJob[] = [];
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
    misses.push(checkJob(job, !cache.writable));
  }
  if (misses.length) {
    const bar = (ctx?.progress ?? quietProgress)("preprocessing images", misses.length);
    log.debug(`preprocessing ${misses.length} images into ${cache.writable ? cacheDir : "memory"}`);
    try {
      for (const verdict of await checkFiles(misses, options.workers, () => bar.increment(1))) keep(verdict);
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
      const held = memory.get(job.key);
      if (held) {
        const entry = decodeEntry(held, job.key, pre.imgSize);
        if (entry.ok) return entry.pixels;
      }
      const path = entryPath(cacheDir, job.key);
      const bytes = await readEntryFile(path);
      const entry = bytes ? decodeEntry(bytes, job.key, pre.imgSize) : ({ ok: false, problem: "missing" } as const);
      if (entry.ok) return entry.pixels;
      // Damaged or deleted since prepareImages verified it (or never stored): made again, never used.
      if (cache.writable) log.warn(`cache entry ${path} for ${job.file} ${entry.problem === "missing" ? "disappeared" : `corrupt (${entry.problem})`}: rebuilding`);
      const verdict = await checkFile(checkJob(job, true));
      if (!verdict.readable || !verdict.entry) throw decodeFailure(verdict);
      const rebuilt = decodeEntry(verdict.entry, job.key, pre.imgSize);
      if (!rebuilt.ok) throw new TaskError("cache_unusable", `cache entry for ${job.file} is unusable right after making it (${rebuilt.problem})`);
      return rebuilt.pixels;
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
