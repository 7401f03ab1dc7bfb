import { resolve } from "node:path";
import { cacheWriteProblem } from "./cache-io.ts";
import type { LoadContext } from "./load-context.ts";

/** A cache folder as this process may use it. */
export interface CacheAccess {
  dir: string;
  /** False when the folder cannot be written (read-only mount, no permission): it is read, never written. */
  writable: boolean;
  /** Reports a write that failed although the folder looked writable (disk full, …): warned once per folder. */
  writeFailed(reason: string): void;
}

// One warning per folder and process: the loader and the image cache both open it in one run.
const warned = new Set<string>();

function warnOnce(log: LoadContext["log"], dir: string, what: string, message: string): void {
  const id = `${what}\0${resolve(dir)}`;
  if (warned.has(id)) return;
  warned.add(id);
  log.warn(message);
}

/**
 * Opens the cache at `dir`: tries a write once; a folder that refuses it (EROFS, EACCES, EPERM)
 * is used read-only, with one warning, instead of failing the run.
 */
export function openCache(dir: string, log: LoadContext["log"]): CacheAccess {
  const problem = cacheWriteProblem(dir);
  if (problem) {
    warnOnce(log, dir, "read-only", `cache ${dir} cannot be written (${problem}): running without it (existing entries are still read; nothing new is cached, so images are decoded again next time)`);
  }
  return {
    dir,
    writable: problem === null,
    writeFailed(reason) {
      warnOnce(log, dir, "write-failed", `cache ${dir}: a write failed (${reason}); going on without caching what could not be written`);
    },
  };
}
