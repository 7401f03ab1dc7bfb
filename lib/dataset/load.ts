import { usageError } from "../errors/index.ts";
import type { TaskContext } from "../task/index.ts";
import { quietProgress } from "../progress/index.ts";
import { isDir, relativePosix } from "./files.ts";
import { dataFingerprint, examineFile, resolveEntry, unlistedDirs, type FileCheck, type ResolvedEntry } from "./scan.ts";
import { readLabelTable } from "./table.ts";
import type { Dataset, DatasetOptions, MissingEntry, Sample } from "./types.ts";

/** The logger and progress a loader uses; tasks pass their `ctx`. */
export type LoadContext = Pick<TaskContext, "log" | "progress">;

/** A logger that drops everything, for callers that pass no context. */
export const silentLog: LoadContext["log"] = { debug() {}, info() {}, warn() {}, error() {}, attachFile() {}, detachFile() {} };

/** Empty header strings mean "absent". */
function present(value: string | null | undefined): string | null {
  const v = value?.trim();
  return v ? v : null;
}

function sampleOf(resolved: ResolvedEntry, check: FileCheck): Sample {
  const { entry } = resolved;
  const tags = check.tags;
  return {
    accession: resolved.accession,
    patientId: entry.patientId ?? present(tags?.patientId),
    label: entry.label,
    imagePath: check.path,
    viewPosition: entry.viewPosition ?? present(tags?.viewPosition),
    laterality: entry.laterality ?? present(tags?.imageLaterality),
    row: entry.row,
    sha256: check.sha256,
  };
}

/**
 * Reads a label CSV and finds, hashes and header-checks its DICOM files. Unreadable files are
 * recorded in `unreadable` (the loader goes on; `checkReadable` decides whether that is too
 * many); entries without files and directories without rows are counted, not fatal. CSV
 * problems (unknown label, conflicting duplicates, a path outside the root, a missing column)
 * are usage errors naming the file, row and value.
 */
export async function loadDataset(options: DatasetOptions, ctx?: LoadContext): Promise<Dataset> {
  const log = ctx?.log ?? silentLog;
  const root = options.dicomRoot;
  if (!isDir(root)) throw usageError("missing_dicom_root", `DICOM root is not a directory: ${root}`);
  const table = readLabelTable(options.csv, options.format ?? "auto");
  for (const line of table.duplicates) log.warn(line);
  if (table.emptyLabelRows.length) {
    const rows = table.emptyLabelRows;
    log.warn(`${table.file}: ${rows.length} row(s) with an empty label skipped (rows ${rows.slice(0, 10).join(", ")}${rows.length > 10 ? ", …" : ""})`);
  }
  const entries = table.entries.filter((e) => options.includeClass5 || e.label !== 5);
  const class5 = table.entries.length - entries.length;
  if (class5) log.info(`${class5} class-5 entries excluded (use includeClass5 / --include-class-5 to keep them)`);

  const oneView = (options.views ?? "one") === "one";
  const samples: Sample[] = [];
  const unreadable: Dataset["unreadable"] = [];
  const missing: MissingEntry[] = [];
  const used: { relPath: string; sha256: string; label: number }[] = [];
  let totalFiles = 0;
  const bar = (ctx?.progress ?? quietProgress)("reading DICOM headers", entries.length);
  for (const entry of entries) {
    const resolved = resolveEntry(root, table, entry);
    if (resolved.missing) {
      const t = entry.target;
      missing.push({ row: entry.row, accession: entry.accession, path: t.kind === "dir" ? t.dir : t.file, why: resolved.missing });
    }
    for (const file of resolved.files) {
      const check = await examineFile(root, file);
      totalFiles++;
      if (check.reason !== null) {
        unreadable.push({ path: check.path, reason: check.reason, message: check.message ?? check.reason });
        continue;
      }
      samples.push(sampleOf(resolved, check));
      used.push({ relPath: relativePosix(root, check.path), sha256: check.sha256, label: entry.label });
      // Upstream took the first file of the exam; the first readable one is the same file whenever that one is readable.
      if (oneView) break;
    }
    bar.increment(1);
  }
  bar.stop();
  if (missing.length) log.warn(`${missing.length} CSV entries have no DICOM on disk (first: ${missing[0]?.path}, ${missing[0]?.why})`);
  if (unreadable.length) log.warn(`${unreadable.length} of ${totalFiles} DICOM files unreadable (first: ${unreadable[0]?.message})`);
  const unlisted = unlistedDirs(root, table);
  if (unlisted.length) log.info(`${unlisted.length} directories under ${root} have no CSV row (first: ${unlisted[0]})`);
  return {
    samples,
    fingerprint: dataFingerprint(used),
    unreadable,
    totalFiles,
    format: table.format,
    csvRows: table.csvRows,
    missing,
    unlistedDirs: unlisted,
    skipped: { class5, emptyLabel: table.emptyLabelRows.length, duplicates: table.duplicates.length },
  };
}
