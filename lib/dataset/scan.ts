import { readFile } from "node:fs/promises";
import { sha256 } from "../artifacts/index.ts";
import { DicomError, readDicomTags, type DicomTags } from "../dicom/index.ts";
import type { LabelEntry } from "./formats.ts";
import { insideRoot, isDir, isFile, listDicomFiles, relativePosix, topLevelDirs } from "./files.ts";
import type { LabelTable } from "./table.ts";

/** Why a CSV entry has no image: its directory or file is absent, or its directory holds no DICOM. */
export type MissingWhy = "no directory" | "no file" | "no DICOM files";

/** A CSV entry with the DICOM files it points at, in sorted path order. */
export interface ResolvedEntry {
  entry: LabelEntry;
  /** The accession as found on disk (zero-padded when only the padded directory exists). */
  accession: string;
  /** Paths joined under the DICOM root. */
  files: string[];
  missing: MissingWhy | null;
}

/** One DICOM file examined: content hash, and its header tags or why they could not be read. */
export interface FileCheck {
  /** Joined under the DICOM root, as `Sample.imagePath`. */
  path: string;
  /** Relative to the DICOM root, `/`-separated. */
  relPath: string;
  /** SHA-256 of the file's bytes. */
  sha256: string;
  tags: DicomTags | null;
  /** `DicomFailure` code, or `io_error`; null when readable. */
  reason: string | null;
  /** The full error message when unreadable. */
  message: string | null;
}

/** The directories directly under `root` that `entry` points into. */
function topDirsOf(root: string, table: LabelTable, entry: LabelEntry): string[] {
  const t = entry.target;
  if (t.kind === "dir") return [t.dir, ...(t.padded ? [t.padded] : [])];
  return [relativePosix(root, insideRoot(root, t.file, `${table.file} row ${entry.row}`)).split("/")[0] as string];
}

/** Finds the DICOM files of one entry. Paths outside the root are a usage error naming the CSV row. */
export function resolveEntry(root: string, table: LabelTable, entry: LabelEntry): ResolvedEntry {
  const where = `${table.file} row ${entry.row}`;
  const t = entry.target;
  if (t.kind === "dir") {
    for (const name of [t.dir, ...(t.padded ? [t.padded] : [])]) {
      const dir = insideRoot(root, name, where);
      if (isDir(dir)) {
        const files = listDicomFiles(dir);
        return { entry, accession: name, files, missing: files.length ? null : "no DICOM files" };
      }
    }
    return { entry, accession: entry.accession, files: [], missing: "no directory" };
  }
  const file = insideRoot(root, t.file, where);
  if (isFile(file)) return { entry, accession: entry.accession, files: [file], missing: null };
  if (t.fallbackDir) {
    const dir = insideRoot(root, t.fallbackDir, where);
    if (isDir(dir)) {
      // TCIA's download renames the folders below the first one; the first DICOM there is the image.
      const first = listDicomFiles(dir)[0];
      return { entry, accession: entry.accession, files: first ? [first] : [], missing: first ? null : "no DICOM files" };
    }
  }
  return { entry, accession: entry.accession, files: [], missing: "no file" };
}

/**
 * Reads one file, hashes it and parses its header. An unreadable file (DicomError, or an I/O
 * error such as a permission problem) is reported in the result, never thrown.
 */
export async function examineFile(root: string, path: string): Promise<FileCheck> {
  const relPath = relativePosix(root, path);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    return { path, relPath, sha256: "", tags: null, reason: "io_error", message: `cannot read ${path}: ${(err as Error).message}` };
  }
  const hash = sha256(bytes);
  try {
    return { path, relPath, sha256: hash, tags: readDicomTags(bytes, path), reason: null, message: null };
  } catch (err) {
    if (err instanceof DicomError) return { path, relPath, sha256: hash, tags: null, reason: err.reason, message: err.message };
    throw err;
  }
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
 * referring): upstream's `dirs_missing_csv`.
 */
export function unlistedDirs(root: string, table: LabelTable): string[] {
  const referenced = new Set(table.entries.flatMap((e) => topDirsOf(root, table, e)));
  return topLevelDirs(root).filter((d) => !referenced.has(d));
}
