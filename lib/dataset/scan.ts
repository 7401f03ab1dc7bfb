import { lstatSync, realpathSync } from "node:fs";
import { sha256 } from "../artifacts/index.ts";
import { usageError } from "../errors/index.ts";
import type { LabelEntry } from "./formats.ts";
import { checkInsideRoot, insideRoot, isDir, listDicomFiles, relativePosix, topLevelDirs } from "./files.ts";
import type { LabelTable } from "./table.ts";

/** Why a CSV entry has no image: its directory or file is absent, or its directory holds no DICOM. */
export type MissingWhy = "no directory" | "no file" | "no DICOM files";

/** The DICOM root as given, and its real path (links resolved), which every file must lie under. */
export interface DataRoot {
  path: string;
  real: string;
}

/** Opens the DICOM root: a usage error naming it when it is not a directory. */
export function openRoot(root: string): DataRoot {
  if (!isDir(root)) throw usageError("missing_dicom_root", `DICOM root is not a directory: ${root}`);
  return { path: root, real: realpathSync(root) };
}

/** A file found for an entry: its path under the root as given, and what identifies it on disk. */
export interface FoundFile {
  /** Joined under the DICOM root, as `Sample.imagePath`. */
  path: string;
  /** Its real path (links resolved); the path itself when it does not resolve (a dangling link). Two links to one file share it. */
  id: string;
}

/** A CSV entry with the DICOM files it points at, in sorted path order. */
export interface ResolvedEntry {
  entry: LabelEntry;
  /** The accession as found on disk (zero-padded when only the padded directory exists). */
  accession: string;
  files: FoundFile[];
  missing: MissingWhy | null;
}

/** The directories directly under `root` that `entry` points into. */
function topDirsOf(root: string, table: LabelTable, entry: LabelEntry): string[] {
  const t = entry.target;
  if (t.kind === "dir") return [t.dir, ...(t.padded ? [t.padded] : [])];
  return [relativePosix(root, insideRoot(root, t.file, `${table.file} row ${entry.row}`)).split("/")[0] as string];
}

/** Something is there (a file, a link even a dangling one, a FIFO), and it is not a directory. */
function presentNonDir(path: string): boolean {
  try {
    return !lstatSync(path).isDirectory() && !isDir(path);
  } catch {
    return false;
  }
}

/**
 * The DICOM files under directory `dir`, each checked to lie inside the root's real path (a
 * link out of the archive is a usage error naming `where` and the link).
 */
export function findFiles(root: DataRoot, dir: string, where: string): FoundFile[] {
  return listDicomFiles(dir).map((path) => ({ path, id: checkInsideRoot(root.real, root.path, path, where) ?? path }));
}

/**
 * Finds the DICOM files of one entry. Paths are refused (usage error naming the CSV row) when
 * they leave the root lexically (`../x`) or through a link (an accession folder `000778 -> ..`,
 * one linking to the root itself, a file link to `/etc`).
 */
export function resolveEntry(root: DataRoot, table: LabelTable, entry: LabelEntry): ResolvedEntry {
  const where = `${table.file} row ${entry.row}`;
  const t = entry.target;
  if (t.kind === "dir") {
    for (const name of [t.dir, ...(t.padded ? [t.padded] : [])]) {
      const dir = insideRoot(root.path, name, where);
      if (isDir(dir)) {
        checkInsideRoot(root.real, root.path, dir, where);
        const files = findFiles(root, dir, where);
        return { entry, accession: name, files, missing: files.length ? null : "no DICOM files" };
      }
    }
    return { entry, accession: entry.accession, files: [], missing: "no directory" };
  }
  const file = insideRoot(root.path, t.file, where);
  if (presentNonDir(file)) return { entry, accession: entry.accession, files: [{ path: file, id: checkInsideRoot(root.real, root.path, file, where) ?? file }], missing: null };
  if (t.fallbackDir) {
    const dir = insideRoot(root.path, t.fallbackDir, where);
    if (isDir(dir)) {
      checkInsideRoot(root.real, root.path, dir, where);
      // TCIA's download renames the folders below the first one; the first DICOM there is the image.
      const first = findFiles(root, dir, where)[0];
      return { entry, accession: entry.accession, files: first ? [first] : [], missing: first ? null : "no DICOM files" };
    }
  }
  return { entry, accession: entry.accession, files: [], missing: "no file" };
}

/**
 * SHA-256 over the sorted `relPath TAB sha256 TAB label` lines (one per image, `\n` after each),
 * so that a user can recompute it with a few lines of Python.
 */
export function dataFingerprint(items: readonly { relPath: string; sha256: string; label: number }[]): string {
  const lines = items.map((i) => `${i.relPath}\t${i.sha256}\t${i.label}\n`).sort();
  return sha256(lines.join(""));
}

/**
 * Directories directly under `root` that no entry of `table` refers to (class 5 entries count as
 * referring): upstream's `dirs_missing_csv`. Links to directories are not exam folders.
 */
export function unlistedDirs(root: string, table: LabelTable): string[] {
  const referenced = new Set(table.entries.flatMap((e) => topDirsOf(root, table, e)));
  return topLevelDirs(root).filter((d) => !referenced.has(d));
}
