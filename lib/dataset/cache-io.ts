import { accessSync, constants, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { open, readFile } from "node:fs/promises";
import { join } from "node:path";
import { threadId } from "node:worker_threads";
import { writeFileAtomic } from "../artifacts/index.ts";
import { entryPath } from "./cache-key.ts";

/** The bytes of a cache entry file, or null when there is none. */
export async function readEntryFile(path: string): Promise<Uint8Array | null> {
  if (!existsSync(path)) return null;
  try {
    return new Uint8Array(await readFile(path));
  } catch {
    return null; // unreadable counts as absent: the entry is made again
  }
}

/** The first `bytes` bytes of a cache entry file and its length, or null when there is none (or it cannot be read). */
export async function readEntryStart(path: string, bytes: number): Promise<{ start: Uint8Array; length: number } | null> {
  let file;
  try {
    file = await open(path, "r");
  } catch {
    return null;
  }
  try {
    const start = new Uint8Array(bytes);
    const { bytesRead } = await file.read(start, 0, bytes, 0);
    return { start: start.subarray(0, bytesRead), length: (await file.stat()).size };
  } catch {
    return null;
  } finally {
    await file.close();
  }
}

/** Writes the entry of `key` atomically (temp file, fsync, rename). */
export function storeEntry(cacheDir: string, key: string, entry: Uint8Array): void {
  writeFileAtomic(entryPath(cacheDir, key), entry);
}

/**
 * Whether `cacheDir` can be written: null when it can, else the reason (`EROFS: …`). Tried by
 * creating it and writing one small file, which is what the cache will do; a cache on a
 * read-only mount (EROFS), one the user may not write (EACCES, EPERM) or on a full disk is then
 * read where it has entries and bypassed where it has not, instead of failing every write.
 */
export function cacheWriteProblem(cacheDir: string): string | null {
  const probe = join(cacheDir, `.write-test-${process.pid}-${threadId}`);
  try {
    mkdirSync(cacheDir, { recursive: true });
    accessSync(cacheDir, constants.W_OK);
    writeFileSync(probe, "");
    rmSync(probe, { force: true });
    return null;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (typeof e.code !== "string") throw err;
    return `${e.code}: ${e.message}`;
  }
}
