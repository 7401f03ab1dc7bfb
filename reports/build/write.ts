import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { z } from "zod";
import { TaskError } from "../../lib/errors/index.ts";
import type { ReportFile } from "./types.ts";

/** What writing the report did. */
export interface WriteOutcome {
  written: string[];
  unchanged: string[];
  /** Files an earlier report wrote (listed in its manifest) that this one does not produce. */
  removed: string[];
}

/** The manifest in the assets directory: every file the report owns, relative to that directory. */
export const MANIFEST = "report_manifest.json";
/** Where a report is staged before it is swapped in (inside the assets directory: same file system). */
export const STAGING = ".report-staging";
/** The list of staged files still to move, written before the first move (a crash rolls forward). */
const PENDING = "pending.json";

const manifestSchema = z.object({ task: z.literal("report"), files: z.array(z.string()) });
const pendingSchema = z.object({ moves: z.array(z.object({ from: z.string(), to: z.string() })), remove: z.array(z.string()), manifest: z.string() });

/** The write effects a report needs (atomic file writes; tests inject failures here). */
export interface WriteEffects {
  write: (path: string, data: Uint8Array) => void;
}

const bytesOf = (data: ReportFile["data"]) => (typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data.buffer, data.byteOffset, data.byteLength));

/** An I/O error as a TaskError naming the file and the reason (`ENOSPC`: the disk is full, …). */
export function ioError(err: unknown, path: string, doing: string): TaskError {
  const code = (err as NodeJS.ErrnoException)?.code;
  const why: Record<string, string> = { ENOSPC: "no space left on the device", EROFS: "the file system is read-only", EACCES: "permission denied", EDQUOT: "disk quota exceeded", EPERM: "operation not permitted" };
  const reason = code && why[code] ? `${why[code]} (${code})` : err instanceof Error ? err.message : String(err);
  return new TaskError("write_failed", `report: could not ${doing} ${path}: ${reason}; the assets directory still holds the previous report`, { cause: err });
}

/** The files the previous report listed in the manifest (absolute paths); none without one. */
export function readManifest(assetsDir: string): string[] {
  const path = join(assetsDir, MANIFEST);
  if (!existsSync(path)) return [];
  const parsed = manifestSchema.safeParse(JSON.parse(readFileSync(path, "utf8")));
  if (!parsed.success) throw new TaskError("bad_manifest", `${path} is not a report manifest: ${parsed.error.issues[0]?.message ?? "invalid"}; move it away to let the report own this directory`, { exitCode: 2 });
  return parsed.data.files.map((f) => resolve(assetsDir, f));
}

/** Finishes a swap a killed report started (moves left, stale files to remove, manifest). */
function rollForward(assetsDir: string): void {
  const pendingPath = join(assetsDir, STAGING, PENDING);
  if (!existsSync(pendingPath)) {
    rmSync(join(assetsDir, STAGING), { recursive: true, force: true });
    return;
  }
  const pending = pendingSchema.parse(JSON.parse(readFileSync(pendingPath, "utf8")));
  for (const m of pending.moves) if (existsSync(m.from)) renameSync(m.from, m.to);
  for (const r of pending.remove) rmSync(r, { force: true });
  renameSync(pending.manifest, join(assetsDir, MANIFEST));
  rmSync(join(assetsDir, STAGING), { recursive: true, force: true });
}

/**
 * Writes the report so that `assetsDir` holds the previous report or this one, never a mix:
 *
 * 1. every file whose bytes differ from what is on disk is written into a staging directory
 *    (`<assets>/.report-staging`); a failure there (disk full, read-only) removes the staging
 *    directory and leaves the previous report untouched, with an error naming the file;
 * 2. the list of moves is recorded, then each staged file is renamed into place (a rename on one
 *    file system allocates nothing, so a full disk cannot stop it half way; a killed process is
 *    rolled forward from the list by the next report);
 * 3. files the previous manifest lists that this report does not produce are removed, and the
 *    new manifest (`report_manifest.json`) lists what the report now owns. Files the report never
 *    wrote are never touched.
 *
 * A file with the same bytes is left alone, mtime included, so tools that watch the assets
 * (latexmk, make) rebuild only what changed.
 */
export function writeReport(files: readonly ReportFile[], assetsDir: string, effects: WriteEffects): WriteOutcome {
  mkdirSync(assetsDir, { recursive: true });
  rollForward(assetsDir);
  const outcome: WriteOutcome = { written: [], unchanged: [], removed: [] };
  const staging = join(assetsDir, STAGING);
  const moves: { from: string; to: string }[] = [];
  const owned = new Set(files.map((f) => resolve(f.path)));
  const manifestFiles = [...owned].filter((p) => !relative(resolve(assetsDir), p).startsWith("..")).map((p) => relative(resolve(assetsDir), p)).sort();
  const manifestBody = `${JSON.stringify({ task: "report", files: manifestFiles }, null, 2)}\n`;
  const previous = readManifest(assetsDir);
  const stale = previous.filter((p) => !owned.has(p) && existsSync(p));
  const manifestPath = join(assetsDir, MANIFEST);
  const manifestChanged = !existsSync(manifestPath) || readFileSync(manifestPath, "utf8") !== manifestBody;
  try {
    files.forEach((file, i) => {
      const bytes = bytesOf(file.data);
      if (existsSync(file.path) && readFileSync(file.path).equals(bytes)) {
        outcome.unchanged.push(file.path);
        return;
      }
      const staged = join(staging, `${String(i).padStart(4, "0")}-${basename(file.path)}`);
      try {
        effects.write(staged, bytes);
      } catch (err) {
        throw ioError(err, file.path, "write");
      }
      moves.push({ from: staged, to: file.path });
    });
    if (moves.length === 0 && stale.length === 0 && !manifestChanged) {
      rmSync(staging, { recursive: true, force: true });
      return outcome;
    }
    const stagedManifest = join(staging, MANIFEST);
    try {
      effects.write(stagedManifest, Buffer.from(manifestBody, "utf8"));
      effects.write(join(staging, PENDING), Buffer.from(JSON.stringify({ moves, remove: stale, manifest: stagedManifest }), "utf8"));
    } catch (err) {
      throw ioError(err, manifestPath, "write");
    }
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  for (const m of moves) {
    mkdirSync(dirname(m.to), { recursive: true });
    try {
      renameSync(m.from, m.to);
    } catch (err) {
      // The section file may live on another file system than the assets: copy it atomically.
      if ((err as NodeJS.ErrnoException)?.code !== "EXDEV") throw ioError(err, m.to, "move into place");
      try {
        effects.write(m.to, readFileSync(m.from));
      } catch (e) {
        throw ioError(e, m.to, "write");
      }
    }
    outcome.written.push(m.to);
  }
  for (const r of stale) {
    rmSync(r, { force: true });
    outcome.removed.push(r);
  }
  rollForward(assetsDir);
  return outcome;
}
