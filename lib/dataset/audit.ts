import { join } from "node:path";
import type { PreprocessOptions } from "../dicom/index.ts";
import { quietProgress } from "../progress/index.ts";
import { openCache } from "./cache-access.ts";
import { DEFAULT_CACHE_DIR } from "./cache-key.ts";
import type { FileVerdict } from "./check.ts";
import { checkFiles } from "./decode-pool.ts";
import type { DatasetFormat } from "./formats.ts";
import { relativePosix } from "./files.ts";
import type { LabelCoding } from "./labels.ts";
import { silentLog, type LoadContext } from "./load-context.ts";
import { dataFingerprint, findFiles, openRoot, resolveEntry, unlistedDirs, type DataRoot, type FoundFile, type ResolvedEntry } from "./scan.ts";
import { readLabelTable, type LabelTable } from "./table.ts";

export interface AuditOptions {
  csv: string;
  dicomRoot: string;
  /** Default `auto`. */
  format?: DatasetFormat | "auto";
  /** Class 5 counts as used data (fingerprint, notes); default false. */
  includeClass5?: boolean;
  /** How a path-based CSV's labels count; default `auto`. */
  labelCoding?: LabelCoding;
  /** Cache of decode verdicts and preprocessed images (default `.cache/preprocessed`), shared with training; null for none. */
  cacheDir?: string | null;
  /** Preprocess each readable file into the cache too (training's size and window), so training does not decode it again. */
  preprocess?: PreprocessOptions;
  /** Decoding workers; default: every core. */
  workers?: number;
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
  /** SHA-256 of its bytes; "" when it was refused before being read whole (link, FIFO, bad header or size). */
  sha256: string;
  /** Frame 0 decodes completely (the definition training uses). */
  readable: boolean;
  /** `UnreadableReason` code; null when readable. */
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
  files: FoundFile[];
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

function notesOf(exam: Exam, checks: readonly (FileVerdict & { relPath: string })[], linked: readonly string[], includeClass5: boolean): string {
  const notes: string[] = [];
  if (exam.entries.length === 0) notes.push("no CSV row");
  if (!includeClass5 && exam.entries.some((r) => r.entry.label === 5)) notes.push("class 5 (non-standard incidence): excluded");
  if (exam.files.length === 0) notes.push("no DICOM files");
  const absent = exam.entries.filter((r) => r.missing === "no file").map((r) => (r.entry.target.kind === "file" ? r.entry.target.file : ""));
  if (absent.length) notes.push(`missing: ${absent.join(", ")}`);
  if (linked.length) notes.push(`counted once: ${linked.join(", ")}`);
  const bad = checks.filter((c) => !c.readable);
  if (bad.length) notes.push(`unreadable: ${bad.map((c) => `${c.relPath} (${c.readable ? "" : c.reason})`).join(", ")}`);
  return notes.join("; ");
}

/** Step 1: the exams, those of CSV rows and the folders without one, in accession order. */
function listExams(root: DataRoot, table: LabelTable): { exams: Exam[]; missing: string[]; dirsMissingCsv: string[] } {
  const { exams, missing } = groupExams(table.entries.map((e) => resolveEntry(root, table, e)));
  const dirsMissingCsv = unlistedDirs(root.path, table);
  for (const dir of dirsMissingCsv) exams.push({ accession: dir, entries: [], files: findFiles(root, join(root.path, dir), `DICOM root ${root.path}`) });
  exams.sort((a, b) => (a.accession < b.accession ? -1 : a.accession > b.accession ? 1 : 0));
  return { exams, missing, dirsMissingCsv };
}

/** Step 2: each exam's own files; a file reached again (a link, a second row) is counted in the first exam that reached it. */
function claimFiles(exams: readonly Exam[], rootPath: string): { filesOf: Map<Exam, FoundFile[]>; linkedOf: Map<Exam, string[]> } {
  const owner = new Map<string, string>();
  const linkedOf = new Map<Exam, string[]>();
  const filesOf = new Map<Exam, FoundFile[]>();
  for (const exam of exams) {
    const own: FoundFile[] = [];
    const linked: string[] = [];
    for (const f of exam.files) {
      const first = owner.get(f.id);
      if (first === undefined) {
        owner.set(f.id, f.path);
        own.push(f);
      } else if (first !== f.path) linked.push(`${relativePosix(rootPath, f.path)} is ${relativePosix(rootPath, first)}`);
    }
    filesOf.set(exam, own);
    linkedOf.set(exam, linked);
  }
  return { filesOf, linkedOf };
}

/** Step 3: the verdict of every file by path, decoded on the worker pool through the cache. */
async function decodeFiles(all: readonly FoundFile[], options: AuditOptions, ctx: LoadContext | undefined): Promise<Map<string, FileVerdict>> {
  const cache = options.cacheDir === null ? null : openCache(options.cacheDir ?? DEFAULT_CACHE_DIR, ctx?.log ?? silentLog);
  const bar = (ctx?.progress ?? quietProgress)("decoding DICOM files", all.length);
  let verdicts: FileVerdict[];
  try {
    verdicts = await checkFiles(
      all.map((f) => ({ file: f.path, cacheDir: cache?.dir ?? null, writable: cache?.writable ?? false, preprocess: options.preprocess ?? null, returnEntry: false })),
      options.workers,
      () => bar.increment(1),
    );
  } finally {
    bar.stop();
  }
  for (const v of verdicts) if (v.cacheError) cache?.writeFailed(v.cacheError);
  return new Map(all.map((f, i) => [f.path, verdicts[i] as FileVerdict]));
}

/** Step 4: an audit row per exam, the manifest's files, the class histogram and what the fingerprint covers. */
function examRows(exams: readonly Exam[], claimed: ReturnType<typeof claimFiles>, verdictOf: ReadonlyMap<string, FileVerdict>, rootPath: string, includeClass5: boolean) {
  const rows: AuditRow[] = [];
  const files: AuditFile[] = [];
  const used: { relPath: string; sha256: string; label: number }[] = [];
  const classHistogram: Record<string, number> = {};
  for (const exam of exams) {
    const checks = (claimed.filesOf.get(exam) ?? []).map((f) => ({ ...(verdictOf.get(f.path) as FileVerdict), relPath: relativePosix(rootPath, f.path) }));
    for (const c of checks) files.push({ path: c.relPath, sha256: c.sha256, readable: c.readable, reason: c.readable ? null : c.reason });
    // Image-level CSVs give each file its own label; exam folders share their entry's.
    for (const r of exam.entries) {
      if (r.entry.label === 5 && !includeClass5) continue;
      const mine = new Set(r.files.map((f) => f.path));
      for (const c of checks) if (c.readable && mine.has(c.file)) used.push({ relPath: c.relPath, sha256: c.sha256, label: r.entry.label });
    }
    const classification = [...new Set(exam.entries.map((r) => r.entry.label))].sort().join("/");
    classHistogram[classification || "missing"] = (classHistogram[classification || "missing"] ?? 0) + 1;
    const readable = checks.filter((c) => c.readable).length;
    rows.push({
      accession: exam.accession,
      classification,
      dicomCount: checks.length,
      readableCount: readable,
      unreadableCount: checks.length - readable,
      sampleChecksum: checks[0]?.sha256 ?? "",
      notes: notesOf(exam, checks, claimed.linkedOf.get(exam) ?? [], includeClass5),
    });
  }
  return { rows, files, used, classHistogram };
}

/**
 * Inventories the DICOM root against the label CSV, as the reference pipeline's audit does:
 * every exam folder (listed or not) and every DICOM file in it is hashed and decoded
 * (`checkFile`, the definition of "readable" training uses, so the readable count is what
 * training can read), in a worker pool, filling the cache of verdicts (and of preprocessed
 * images with `preprocess`) that training reads. Paths that leave the root through links are
 * refused; a file reached twice counts once. `ctx.progress` shows a bar over files.
 */
export async function auditArchive(options: AuditOptions, ctx?: LoadContext): Promise<AuditReport> {
  const log = ctx?.log ?? silentLog;
  const root = openRoot(options.dicomRoot);
  const includeClass5 = options.includeClass5 ?? false;
  const table = readLabelTable(options.csv, options.format ?? "auto", options.labelCoding ?? "auto");
  for (const line of table.duplicates) log.warn(line);
  const { exams, missing, dirsMissingCsv } = listExams(root, table);
  const claimed = claimFiles(exams, root.path);
  const verdictOf = await decodeFiles(exams.flatMap((e) => claimed.filesOf.get(e) ?? []), options, ctx);
  const { rows, files, used, classHistogram } = examRows(exams, claimed, verdictOf, root.path, includeClass5);
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
