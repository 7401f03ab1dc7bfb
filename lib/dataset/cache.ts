import { sha256File } from "../artifacts/index.ts";
import type { PreprocessOptions } from "../dicom/index.ts";
import { quietProgress } from "../progress/index.ts";
import { checkEntry, checkEntryHeader, decodeEntry, ENTRY_HEADER_BYTES } from "./cache-entry.ts";
import { readEntryFile, readEntryStart } from "./cache-io.ts";
import { DEFAULT_CACHE_DIR, cacheKey, entryPath } from "./cache-key.ts";
import { decodeFailure, readCachedImage, rebuildJob, type CachedImage } from "./cache-read.ts";
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
  /**
   * How `prepareImages` checks the entries already there: `entry` (default) reads each whole and
   * checks its payload's SHA-256; `header` reads only its 80-byte header and its length, for
   * callers that read every image through `PreparedImages.read` or `readCachedImage` anyway (they
   * verify the payload on every read and rebuild a damaged entry). Streamed training uses
   * `header`: at 20,000 images of 512 px the whole check reads 10 GiB before the first step.
   */
  verify?: "entry" | "header";
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
  /** Where each sample's image is (no pixels: see `readCachedImage`), for readers on other threads. */
  images: CachedImage[];
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

/** Whether the entry of `image` on disk is valid (whole, or by its header); logs a corrupt one, counts it in `stats`. */
async function verifyEntry(image: CachedImage, verify: "entry" | "header", stats: CacheStats, log: LoadContext["log"]): Promise<boolean> {
  const path = entryPath(image.cacheDir, image.key);
  const size = image.preprocess.imgSize;
  let problem: string | null = "missing";
  if (verify === "entry") {
    const bytes = await readEntryFile(path);
    if (bytes) problem = checkEntry(bytes, image.key, size);
  } else {
    const head = await readEntryStart(path, ENTRY_HEADER_BYTES);
    if (head) problem = checkEntryHeader(head.start, head.length, image.key, size);
  }
  if (problem === null) stats.hits++;
  else if (problem === "missing") stats.built++;
  else {
    log.warn(`corrupt cache entry ${path} for ${image.file} (${problem}): rebuilding`);
    stats.rebuilt++;
  }
  return problem === null;
}

/**
 * Makes sure every sample has a valid cache entry: entries are verified, cache misses and
 * corrupt entries (logged) are decoded in parallel on Bun Workers (each writing its entries
 * atomically) or on this thread when `workers` is 1 or there are few misses. Pixels are not kept,
 * except when the cache cannot be written (read-only `cacheDir`: one warning, then the misses
 * are held in memory as encoded entries, Uint16, so the images are the same bits as from a cache).
 */
export async function prepareImages(samples: readonly Sample[], options: CacheOptions, ctx?: LoadContext): Promise<PreparedImages> {
  const log = ctx?.log ?? silentLog;
  const cache = openCache(options.cacheDir ?? DEFAULT_CACHE_DIR, log);
  const pre: PreprocessOptions = { imgSize: options.imgSize, window: options.window };
  const byKey = new Map<string, CachedImage>();
  const images = samples.map((s) => {
    const sha256 = s.sha256 ?? sha256File(s.imagePath);
    const key = cacheKey(sha256, pre);
    const image = byKey.get(key) ?? { key, file: s.imagePath, sha256, cacheDir: cache.dir, writable: cache.writable, preprocess: pre, held: null };
    byKey.set(key, image);
    return image;
  });
  const stats: CacheStats = { hits: 0, built: 0, rebuilt: 0 };
  const misses: CachedImage[] = [];
  for (const image of byKey.values()) if (!(await verifyEntry(image, options.verify ?? "entry", stats, log))) misses.push(image);
  if (misses.length) {
    const bar = (ctx?.progress ?? quietProgress)("preprocessing images", misses.length);
    log.debug(`preprocessing ${misses.length} images into ${cache.writable ? cache.dir : "memory"}`);
    try {
      const verdicts = await checkFiles(misses.map((m) => rebuildJob(m, !cache.writable)), options.workers, () => bar.increment(1));
      verdicts.forEach((verdict, i) => {
        if (!verdict.readable || verdict.key === undefined) throw decodeFailure(verdict);
        if (verdict.cacheError) cache.writeFailed(verdict.cacheError);
        if (verdict.entry) (misses[i] as CachedImage).held = verdict.entry;
      });
    } finally {
      bar.stop();
    }
  }
  return {
    keys: images.map((i) => i.key),
    stats,
    images,
    async read(index) {
      const image = images[index];
      if (!image) throw new RangeError(`no sample ${index} (of ${images.length})`);
      const { pixels, warning } = await readCachedImage(image);
      if (warning) log.warn(warning);
      return pixels;
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
