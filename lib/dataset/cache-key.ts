import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { hashJson, sha256 } from "../artifacts/index.ts";
import type { PreprocessOptions } from "../dicom/index.ts";
import { CACHE_FORMAT_VERSION } from "./cache-entry.ts";

/** Where preprocessed images are cached unless `cacheDir` says otherwise (relative to the working directory). */
export const DEFAULT_CACHE_DIR = ".cache/preprocessed";

const DICOM_DIR = join(import.meta.dir, "..", "dicom");
let codeVersion: string | undefined;

/**
 * SHA-256 over the decoder and preprocessing sources (`lib/dicom/**.ts`, the writer excluded).
 * Part of every cache key, so that a change to decoding, windowing or resizing can never serve
 * images made by the old code: a stale cache would silently break "same seed, same result".
 */
export function preprocessCodeVersion(): string {
  if (codeVersion === undefined) {
    const files: string[] = [];
    const walk = (dir: string, rel: string) => {
      for (const ent of readdirSync(dir, { withFileTypes: true })) {
        const r = rel ? `${rel}/${ent.name}` : ent.name;
        if (ent.isDirectory() && r !== "write") walk(join(dir, ent.name), r);
        else if (ent.isFile() && ent.name.endsWith(".ts")) files.push(r);
      }
    };
    walk(DICOM_DIR, "");
    files.sort();
    codeVersion = sha256(files.map((f) => `${f}\0${sha256(readFileSync(join(DICOM_DIR, f)))}\n`).join(""));
  }
  return codeVersion;
}

/** The cache key of a file (by the SHA-256 of its bytes) preprocessed with `options`. */
export function cacheKey(fileSha256: string, options: PreprocessOptions): string {
  return hashJson({
    cacheFormat: CACHE_FORMAT_VERSION,
    code: preprocessCodeVersion(),
    file: fileSha256,
    imgSize: options.imgSize,
    window: options.window,
  });
}

/** The entry file of `key`: two-level fan-out keeps directories small on large archives. */
export function entryPath(cacheDir: string, key: string): string {
  return join(cacheDir, key.slice(0, 2), `${key}.bin`);
}
