import { join } from "node:path";
import { usageError } from "../errors/index.ts";
import { quietProgress } from "../progress/index.ts";
import type { DatasetFormat } from "./formats.ts";
import { isDir, listDicomFiles } from "./files.ts";
import type { LoadContext } from "./load.ts";
import { dataFingerprint, examineFile, resolveEntry, unlistedDirs, type FileCheck, type ResolvedEntry } from "./scan.ts";
import { readLabelTable } from "./table.ts";

export interface AuditOptions {
  csv: string;
  dicomRoot: string;
  /** Default `auto`. */
  format?: DatasetFormat | "auto";
  /** Class 5 counts as used data (fingerprint, notes); default false. */
  includeClass5?: boolean;
}

/** One row of `data_audit.csv`: an exam folder (or, for image-level CSVs, an accession's images). */
export interface AuditRow {
  accession: string;
  /** The CSV class ("1".."5"; several joined by "/" when an accession's images differ); "" without a CSV row. */
  classification: string;
  dicomCount: number;
  readableCount: number;
  unreadableCount: number;
  /** SHA-256 of the exam's first DICOM file in sorted path order; "" when it has none. */
  sampleChecksum: string;
  notes: string;
}

/** One examined file of the manifest. */
export interface AuditFile {
  /** Relative to the DICOM root, `/`-separated. */
  path: string;
  sha256: string;
  readable: boolean;
  /** `DicomFailure` code or `io_error`; null when readable. */
  reason: string | null;
}

/** Everything `data_manifest.json` and `data_audit.csv` hold (the upstream keys, in camelCase here). */
export interface AuditReport {
  format: DatasetFormat;
  rows: AuditRow[];
  /** Exams on disk (audit rows), including folders without a CSV row, as upstream counts them. */
  totalAccessions: number;
  /** Labelled CSV entries (duplicates merged, class 5 included). */
  totalCsvEntries: number;
  /** CSV accessions with nothing on disk. */
  examsMissingDir: string[];
  /** Folders under the root without a CSV row. */
  dirsMissingCsv: string[];
  /** Audit rows per classification value ("missing" for folders without a row). */
  classHistogram: Record<string, number>;
  totalDicomFiles: number;
  totalReadableFiles: number;
  /** readable / total, 0 when there are no files. */
  readabilityRatio: number;
  files: AuditFile[];
  /** `loadDataset({views: "all"})`'s fingerprint for the same CSV, root and class-5 choice. */
  dataFingerprint: string;
}

interface Exam {
  accession: string;
  entries: ResolvedEntry[];
  files: string[];
}

/** Exams: one per found directory (exam-level CSVs) or per accession (image-level CSVs). */
function groupExams(resolved: readonly ResolvedEntry[]): { exams: Exam[]; missing: string[] } {
  const byAccession = new Map<string, Exam>();
  for (const r of resolved) {
    const exam = byAccession.get(r.accession) ?? { accession: r.accession, entries: [], files: [] };
    exam.entries.push(r);
    exam.files.push(...r.files);
    byAccession.set(r.accession, exam);
  }
  const exams: Exam[] = [];
  const missing: string[] = [];
  for (const exam of byAccession.values()) {
    if (exam.entries.every((r) => r.missing === "no directory" || r.missing === "no file")) missing.push(exam.accession);
    else exams.push(exam);
  }
  return { exams, missing: missing.sort() };
}

function notesOf(exam: Exam, checks: readonly FileCheck[], includeClass5: boolean): string {
  const notes: string[] = [];
  if (exam.entries.length === 0) notes.push("no CSV row");
  if (!includeClass5 && exam.entries.some((r) => r.entry.label === 5)) notes.push("class 5 (non-standard incidence): excluded");
  if (exam.files.length === 0) notes.push("no DICOM files");
  const absent = exam.entries.filter((r) => r.missing === "no file").map((r) => (r.entry.target.kind === "file" ? r.entry.target.file : ""));
  if (absent.length) notes.push(`missing: ${absent.join(", ")}`);
  const bad = checks.filter((c) => c.reason !== null);
  if (bad.length) notes.push(`unreadable: ${bad.map((c) => `${c.relPath} (${c.reason})`).join(", ")}`);
  return notes.join("; ");
}

/**
 * Inventories the DICOM root against the label CSV, as the reference pipeline's audit does:
 * every exam folder (listed or not) and every DICOM file in it is hashed and header-checked.
 * `ctx.progress` shows a bar over files.
 */
export async function auditArchive(options: AuditOptions, ctx?: LoadContext): Promise<AuditReport> {
  const root = options.dicomRoot;
  if (!isDir(root)) throw usageError("missing_dicom_root", `DICOM root is not a directory: ${root}`);
  const includeClass5 = options.includeClass5 ?? false;
  const table = readLabelTable(options.csv, options.format ?? "auto");
  for (const line of table.duplicates) ctx?.log.warn(line);
  const { exams, missing } = groupExams(table.entries.map((e) => resolveEntry(root, table, e)));
  const dirsMissingCsv = unlistedDirs(root, table);
  for (const dir of dirsMissingCsv) exams.push({ accession: dir, entries: [], files: listDicomFiles(join(root, dir)) });
  exams.sort((a, b) => (a.accession < b.accession ? -1 : a.accession > b.accession ? 1 : 0));

  const total = exams.reduce((n, e) => n + e.files.length, 0);
  const bar = (ctx?.progress ?? quietProgress)("auditing DICOM files", total);
  const rows: AuditRow[] = [];
  const files: AuditFile[] = [];
  const used: { relPath: string; sha256: string; label: number }[] = [];
  const classHistogram: Record<string, number> = {};
  for (const exam of exams) {
    const checks: FileCheck[] = [];
    for (const file of exam.files) {
      const check = await examineFile(root, file);
      checks.push(check);
      files.push({ path: check.relPath, sha256: check.sha256, readable: check.reason === null, reason: check.reason });
      bar.increment(1);
    }
    // Image-level CSVs give each file its own label; exam folders share their entry's.
    for (const r of exam.entries) {
      if (r.entry.label === 5 && !includeClass5) continue;
      for (const c of checks) if (c.reason === null && r.files.includes(c.path)) used.push({ relPath: c.relPath, sha256: c.sha256, label: r.entry.label });
    }
    const classification = [...new Set(exam.entries.map((r) => r.entry.label))].sort().join("/");
    classHistogram[classification || "missing"] = (classHistogram[classification || "missing"] ?? 0) + 1;
    const readable = checks.filter((c) => c.reason === null).length;
    rows.push({
      accession: exam.accession,
      classification,
      dicomCount: checks.length,
      readableCount: readable,
      unreadableCount: checks.length - readable,
      sampleChecksum: checks[0]?.sha256 ?? "",
      notes: notesOf(exam, checks, includeClass5),
    });
  }
  bar.stop();
  const totalReadable = files.filter((f) => f.readable).length;
  return {
    format: table.format,
    rows,
    totalAccessions: rows.length,
    totalCsvEntries: table.entries.length,
    examsMissingDir: missing,
    dirsMissingCsv,
    classHistogram,
    totalDicomFiles: files.length,
    totalReadableFiles: totalReadable,
    readabilityRatio: files.length ? totalReadable / files.length : 0,
    files,
    dataFingerprint: dataFingerprint(used),
  };
}
