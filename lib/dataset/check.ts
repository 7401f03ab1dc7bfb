import { lstatSync, readlinkSync, statSync, type Stats } from "node:fs";
import { readFile } from "node:fs/promises";
import { sha256 } from "../artifacts/index.ts";
import { DicomError, decodeDicom, preprocess, probeDicomFile, unreadableMessage, type DicomTags, type PreprocessOptions } from "../dicom/index.ts";
import { TaskError, errorMessage } from "../errors/index.ts";
import { checkEntry, encodeEntry } from "./cache-entry.ts";
import { cacheKey, entryPath } from "./cache-key.ts";
import { readEntryFile, storeEntry } from "./cache-io.ts";
import { readVerdict, writeVerdict, type StoredVerdict } from "./verdicts.ts";

/**
 * Why a file is unreadable: a `DicomFailure` of the decoder, or what the file system said —
 * `io_error` (cannot be read), `broken_link` (a link to nothing), `link_loop`, `not_a_file` (a
 * FIFO, a directory, a device carrying a DICOM name).
 */
export type UnreadableReason = DicomError["reason"] | "io_error" | "broken_link" | "link_loop" | "not_a_file";

/** One file to check: plain data, so it can be posted to a worker. */
export interface CheckJob {
  /** The path as found (joined under the DICOM root). */
  file: string;
  /** SHA-256 the file must still have (a sample loaded earlier); a changed file is an error, not a verdict. */
  sha256?: string;
  /** Cache folder of verdicts and preprocessed entries; null for none. */
  cacheDir: string | null;
  /** Whether the cache may be written (false on a read-only one: it is still read). */
  writable: boolean;
  /** Also preprocess with these options (into the cache, or into the verdict when `returnEntry`). */
  preprocess: PreprocessOptions | null;
  /** Hand the preprocessed entry back in the verdict (when it cannot be stored). */
  returnEntry: boolean;
}

/** A file that decodes, with its header tags (and its cache entry when asked for). */
export interface ReadableFile {
  file: string;
  readable: true;
  sha256: string;
  tags: DicomTags;
  /** Cache key of the preprocessed image (with `preprocess`). */
  key?: string;
  /** The encoded cache entry (with `returnEntry`). */
  entry?: Uint8Array;
  /** Why a cache write failed, when one did (the caller warns once). */
  cacheError?: string;
}

/** A file that does not decode, and why. */
export interface UnreadableFile {
  file: string;
  readable: false;
  /** Empty when the file was refused before being read whole (its header or size already said no). */
  sha256: string;
  reason: UnreadableReason;
  /** `unreadable DICOM <file> (<reason>): <detail>`. */
  message: string;
  cacheError?: string;
}

export type FileVerdict = ReadableFile | UnreadableFile;

function unreadable(file: string, sha: string, reason: UnreadableReason, detail: string): UnreadableFile {
  return { file, readable: false, sha256: sha, reason, message: unreadableMessage(file, reason, detail) };
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a FIFO (named pipe)";
  if (stats.isSocket()) return "a socket";
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "a device";
  return "not a regular file";
}

/** What the file system says before any byte is read: null when `file` is a regular file (links followed). */
function fileSystemProblem(file: string): UnreadableFile | null {
  let stats: Stats;
  try {
    stats = statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ELOOP") return unreadable(file, "", "link_loop", "a symbolic link that leads back to itself");
    if (code === "ENOENT") {
      try {
        if (lstatSync(file).isSymbolicLink()) return unreadable(file, "", "broken_link", `a symbolic link to ${readlinkSync(file)}, which does not exist`);
      } catch {
        // gone between listing and checking: an I/O problem like any other
      }
    }
    return unreadable(file, "", "io_error", `cannot read it: ${errorMessage(err)}`);
  }
  // Opening a FIFO for reading would block until a writer comes: never open what is not a file.
  return stats.isFile() ? null : unreadable(file, "", "not_a_file", `${kindOf(stats)}, not a file`);
}

/**
 * THE definition of "readable", shared by the audit, the dataset loader and the preprocessing
 * cache: a file is readable when frame 0 decodes completely. Steps, cheapest first: the file
 * system (link, FIFO); the structure (`probeDicomFile`: header and item headers against the file
 * size, so a zero-filled or cut file is refused after a few kilobytes); then the whole file is
 * read and hashed, and the verdict cached for these bytes is used, or the file is decoded (and
 * preprocessed when asked) and the verdict stored. Decoding failures are verdicts; only a file
 * that changed since it was loaded (`sha256` given) or a cache entry that cannot be made are
 * errors.
 */
export async function checkFile(job: CheckJob): Promise<FileVerdict> {
  const { file } = job;
  const problem = fileSystemProblem(file);
  if (problem) return problem;
  try {
    probeDicomFile(file);
  } catch (err) {
    if (err instanceof DicomError) return unreadable(file, "", err.reason, err.detail);
    return unreadable(file, "", "io_error", `cannot read it: ${errorMessage(err)}`);
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (err) {
    return unreadable(file, "", "io_error", `cannot read it: ${errorMessage(err)}`);
  }
  const hash = sha256(bytes);
  if (job.sha256 !== undefined && hash !== job.sha256) {
    throw new TaskError("file_changed", `${file} changed since the dataset was loaded (SHA-256 ${job.sha256.slice(0, 12)}…, now ${hash.slice(0, 12)}…): reload the dataset`);
  }
  const cacheErrors: string[] = [];
  const attempt = (what: string, write: () => void) => {
    try {
      write();
    } catch (err) {
      cacheErrors.push(`${what}: ${errorMessage(err)}`);
    }
  };
  const key = job.preprocess ? cacheKey(hash, job.preprocess) : undefined;
  const stored = job.cacheDir ? readVerdict(job.cacheDir, hash) : null;
  let verdict: FileVerdict | null = null;
  if (stored && !stored.readable) verdict = unreadable(file, hash, stored.reason as UnreadableReason, stored.detail);
  else if (stored && stored.readable && key === undefined) verdict = { file, readable: true, sha256: hash, tags: stored.tags };
  else if (stored && stored.readable && key !== undefined && job.cacheDir) {
    // Readable, and the preprocessed image is already cached: nothing to decode.
    const entry = await readEntryFile(entryPath(job.cacheDir, key));
    if (entry && checkEntry(entry, key, (job.preprocess as PreprocessOptions).imgSize) === null) {
      verdict = { file, readable: true, sha256: hash, tags: stored.tags, key, ...(job.returnEntry ? { entry } : {}) };
    }
  }
  if (verdict === null) {
    let record: StoredVerdict;
    try {
      const image = await decodeDicom(bytes, file);
      verdict = { file, readable: true, sha256: hash, tags: image.tags };
      record = { readable: true, tags: image.tags };
      if (job.preprocess && key !== undefined) {
        const size = job.preprocess.imgSize;
        const entry = encodeEntry(key, size, size, preprocess(image, job.preprocess));
        verdict.key = key;
        if (job.returnEntry) verdict.entry = entry;
        if (job.cacheDir && job.writable) attempt("cache entry", () => storeEntry(job.cacheDir as string, key, entry));
      }
    } catch (err) {
      if (!(err instanceof DicomError)) throw err;
      verdict = unreadable(file, hash, err.reason, err.detail);
      record = { readable: false, reason: err.reason, detail: err.detail };
    }
    if (job.cacheDir && job.writable) attempt("decode verdict", () => writeVerdict(job.cacheDir as string, hash, record));
  }
  if (cacheErrors.length) verdict.cacheError = cacheErrors.join("; ");
  return verdict;
}
