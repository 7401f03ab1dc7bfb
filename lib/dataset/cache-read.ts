import type { PreprocessOptions } from "../dicom/index.ts";
import { TaskError } from "../errors/index.ts";
import { decodeEntry } from "./cache-entry.ts";
import { readEntryFile } from "./cache-io.ts";
import { entryPath } from "./cache-key.ts";
import { checkFile, type CheckJob, type FileVerdict } from "./check.ts";

/**
 * Where one sample's preprocessed image is: its cache entry, and how to make it again. Plain
 * data (a few strings, no pixels), so a training run keeps one per sample whatever the cohort's
 * size, and a batch-feeder worker can read the image itself.
 */
export interface CachedImage {
  key: string;
  /** The DICOM file and the SHA-256 it had when loaded (to rebuild a damaged entry). */
  file: string;
  sha256: string;
  cacheDir: string;
  /** Whether a rebuilt entry may be written back (false: read-only cache). */
  writable: boolean;
  preprocess: PreprocessOptions;
  /**
   * The encoded entry (Uint16 payload, 2 bytes a pixel) when the cache could not store it
   * (read-only cache); null when it is on disk.
   */
  held: Uint8Array | null;
}

/** A read image, and the warning to log when its entry had to be made again. */
export interface ImageRead {
  pixels: Float32Array;
  warning: string | null;
}

/** A sample's file no longer decodes (the decoder changed since loading, say): an error naming it. */
export function decodeFailure(verdict: FileVerdict): TaskError {
  return new TaskError("dicom_unreadable", verdict.readable ? `${verdict.file}: no preprocessed image` : verdict.message);
}

/** The check job that (re)builds the entry of `image`, handing it back when `returnEntry`. */
export function rebuildJob(image: Omit<CachedImage, "held" | "key">, returnEntry: boolean): CheckJob {
  return { file: image.file, sha256: image.sha256, cacheDir: image.cacheDir, writable: image.writable, preprocess: image.preprocess, returnEntry };
}

/**
 * The preprocessed image of `image` (imgSize² values, row-major), verified on every read: from
 * the bytes held in memory, else the cache entry on disk. An entry damaged or deleted since it
 * was verified is made again from the DICOM file (with a warning when the cache is writable), so
 * the pixels are always the bits a cache entry decodes to.
 */
export async function readCachedImage(image: CachedImage): Promise<ImageRead> {
  const size = image.preprocess.imgSize;
  if (image.held) {
    const entry = decodeEntry(image.held, image.key, size);
    if (entry.ok) return { pixels: entry.pixels, warning: null };
  }
  const path = entryPath(image.cacheDir, image.key);
  const bytes = await readEntryFile(path);
  const entry = bytes ? decodeEntry(bytes, image.key, size) : ({ ok: false, problem: "missing" } as const);
  if (entry.ok) return { pixels: entry.pixels, warning: null };
  const warning = image.writable ? `cache entry ${path} for ${image.file} ${entry.problem === "missing" ? "disappeared" : `corrupt (${entry.problem})`}: rebuilding` : null;
  const verdict = await checkFile(rebuildJob(image, true));
  if (!verdict.readable || !verdict.entry) throw decodeFailure(verdict);
  const rebuilt = decodeEntry(verdict.entry, image.key, size);
  if (!rebuilt.ok) throw new TaskError("cache_unusable", `cache entry for ${image.file} is unusable right after making it (${rebuilt.problem})`);
  return { pixels: rebuilt.pixels, warning };
}
