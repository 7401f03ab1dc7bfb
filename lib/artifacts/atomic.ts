import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname, basename, join } from "node:path";
import { TaskError } from "../errors/index.ts";

let counter = 0;

const REASONS: Record<string, string> = {
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EEXIST: "a file is in the way of a directory",
  ENOTDIR: "a file is in the way of a directory",
  EISDIR: "is a directory",
};

/**
 * A failed write as a TaskError that names the file: Node's own messages for ENOSPC or EROFS name
 * the system call, not the path (`ENOSPC: no space left on device, write`).
 */
export function writeError(path: string, err: unknown): TaskError | unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (!code) return err;
  return new TaskError("write_failed", `cannot write ${path}: ${REASONS[code] ?? (err as Error).message} (${code})`, { cause: err });
}

/** Best-effort removal of a temp file: on a read-only file system or under a file in the way of its directory, there is nothing to remove and `rm` itself fails. */
function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // Nothing was created.
  }
}

/**
 * Writes `data` to `path` atomically: a temp file in the same directory, fsync, rename, fsync of
 * the directory. A crash at any point leaves the old file or none, never a partial one; a failed
 * write (disk full, read-only) removes the temp file and names `path` in its error.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}-${Date.now()}-${counter++}`);
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  let fd: number | undefined;
  try {
    mkdirSync(dir, { recursive: true });
    fd = openSync(tmp, "w", 0o644);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    removeQuietly(tmp);
    throw writeError(path, err);
  }
  try {
    const dfd = openSync(dir, "r");
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // Some filesystems refuse fsync on a directory; the rename itself is still atomic.
  }
}
