import { quietProgress } from "../progress/index.ts";
import { openCache } from "./cache-access.ts";
import { DEFAULT_CACHE_DIR } from "./cache-key.ts";
import type { CheckJob, FileVerdict, ReadableFile } from "./check.ts";
import { openCheckPool } from "./decode-pool.ts";
import { relativePosix } from "./files.ts";
import { silentLog, type LoadContext } from "./load-context.ts";
import type { LabelEntry } from "./formats.ts";
import { dataFingerprint, openRoot, resolveEntry, unlistedDirs, type DataRoot, type FoundFile, type ResolvedEntry } from "./scan.ts";
import { readLabelTable, type LabelTable } from "./table.ts";
import type { Dataset, DatasetOptions, MissingEntry, Sample } from "./types.ts";

export { silentLog, type LoadContext } from "./load-context.ts";

/** How many unreadable files the log names one by one. */
const LOGGED = 10;

/** Empty header strings mean "absent". */
function present(value: string | null | undefined): string | null {
  const v = value?.trim();
  return v ? v : null;
}

function sampleOf(resolved: ResolvedEntry, file: ReadableFile): Sample {
  const { entry } = resolved;
  const tags = file.tags;
  return {
    accession: resolved.accession,
    patientId: entry.patientId ?? present(tags.patientId),
    label: entry.label,
    imagePath: file.file,
    viewPosition: entry.viewPosition ?? present(tags.viewPosition),
    laterality: entry.laterality ?? present(tags.imageLaterality),
    row: entry.row,
    sha256: file.sha256,
  };
}

/** One entry while its files are checked: its candidates, the next to try, what was found. */
interface Pending {
  resolved: ResolvedEntry;
  candidates: FoundFile[];
  next: number;
  readable: ReadableFile[];
  bad: FileVerdict[];
}

/** Step 1: the label table, its warnings logged, and the entries kept (class 5 only with `includeClass5`). */
function readEntries(options: DatasetOptions, log: LoadContext["log"]): { table: LabelTable; entries: LabelEntry[]; class5: number } {
  const table = readLabelTable(options.csv, options.format ?? "auto", options.labelCoding ?? "auto");
  for (const line of table.duplicates) log.warn(line);
  if (table.emptyLabelRows.length) {
    const rows = table.emptyLabelRows;
    log.warn(`${table.file}: ${rows.length} row(s) with an empty label skipped (rows ${rows.slice(0, 10).join(", ")}${rows.length > 10 ? ", …" : ""})`);
  }
  const entries = table.entries.filter((e) => options.includeClass5 || e.label !== 5);
  const class5 = table.entries.length - entries.length;
  if (class5) log.info(`${class5} class-5 entries excluded (use includeClass5 / --include-class-5 to keep them)`);
  return { table, entries, class5 };
}

/**
 * Step 2: each entry's files on disk. A file reached a second time (two links, two rows) belongs
 * to the first entry that reached it; entries without files are `missing`.
 */
function findCandidates(root: DataRoot, table: LabelTable, entries: readonly LabelEntry[], log: LoadContext["log"]): { pending: Pending[]; missing: MissingEntry[]; linked: number } {
  const missing: MissingEntry[] = [];
  const owner = new Map<string, string>();
  const linked: string[] = [];
  const pending: Pending[] = entries.map((entry) => {
    const resolved = resolveEntry(root, table, entry);
    const candidates = resolved.files.filter((f) => {
      const first = owner.get(f.id);
      if (first === undefined) owner.set(f.id, f.path);
      else linked.push(`${f.path} is the same file as ${first}`);
      return first === undefined;
    });
    if (resolved.missing || candidates.length === 0) {
      const t = entry.target;
      missing.push({ row: entry.row, accession: entry.accession, path: t.kind === "dir" ? t.dir : t.file, why: resolved.missing ?? "no DICOM files" });
    }
    return { resolved, candidates, next: 0, readable: [], bad: [] };
  });
  if (linked.length) log.warn(`${linked.length} DICOM file(s) reached twice through links, counted once (first: ${linked[0]})`);
  return { pending, missing, linked: linked.length };
}

/**
 * Step 3: checks the candidates (`checkFile`) on a worker pool, through the cache. With one view,
 * in rounds: each tries the next candidate of every entry still without a readable one.
 */
async function checkCandidates(pending: readonly Pending[], options: DatasetOptions, ctx: LoadContext | undefined, oneView: boolean): Promise<void> {
  const log = ctx?.log ?? silentLog;
  const cache = options.cacheDir === null ? null : openCache(options.cacheDir ?? DEFAULT_CACHE_DIR, log);
  const jobOf = (file: string): CheckJob => ({ file, cacheDir: cache?.dir ?? null, writable: cache?.writable ?? false, preprocess: options.preprocess ?? null, returnEntry: false });
  const bar = (ctx?.progress ?? quietProgress)("checking DICOM files", oneView ? pending.filter((p) => p.candidates.length).length : pending.reduce((n, p) => n + p.candidates.length, 0));
  const pool = openCheckPool(options.workers);
  try {
    for (;;) {
      const batch: { p: Pending; file: FoundFile }[] = [];
      for (const p of pending) {
        if (oneView && (p.readable.length || p.next >= p.candidates.length)) continue;
        const take = oneView ? [p.candidates[p.next] as FoundFile] : p.candidates.slice(p.next);
        p.next += take.length;
        for (const file of take) batch.push({ p, file });
      }
      if (batch.length === 0) break;
      const verdicts = await pool.run(
        batch.map((b) => jobOf(b.file.path)),
        oneView ? undefined : () => bar.increment(1),
      );
      verdicts.forEach((v, i) => {
        const { p } = batch[i] as (typeof batch)[number];
        if (v.cacheError) cache?.writeFailed(v.cacheError);
        if (v.readable) p.readable.push(v);
        else p.bad.push(v);
        if (oneView && (v.readable || p.next >= p.candidates.length)) bar.increment(1);
      });
    }
  } finally {
    pool.close();
    bar.stop();
  }
}

/** Step 4: the samples of the readable files, the unreadable ones, and what the fingerprint covers. */
function collectSamples(pending: readonly Pending[], rootPath: string, oneView: boolean, log: LoadContext["log"]) {
  const samples: Sample[] = [];
  const unreadable: Dataset["unreadable"] = [];
  const used: { relPath: string; sha256: string; label: number }[] = [];
  let totalFiles = 0;
  for (const p of pending) {
    totalFiles += p.readable.length + p.bad.length;
    for (const v of p.bad) if (!v.readable) unreadable.push({ path: v.file, reason: v.reason, message: v.message });
    for (const v of p.readable) {
      samples.push(sampleOf(p.resolved, v));
      used.push({ relPath: relativePosix(rootPath, v.file), sha256: v.sha256, label: p.resolved.entry.label });
    }
    if (oneView && p.bad.length && p.readable[0]) {
      log.info(`accession ${p.resolved.accession}: ${p.bad.length} file(s) do not decode, took the next readable view ${relativePosix(rootPath, p.readable[0].file)}`);
    }
  }
  return { samples, unreadable, used, totalFiles };
}

/** Step 5: the entries without files and the files that do not decode, logged. */
function logProblems(missing: readonly MissingEntry[], unreadable: Dataset["unreadable"], totalFiles: number, log: LoadContext["log"]): void {
  if (missing.length) log.warn(`${missing.length} CSV entries have no DICOM on disk (first: ${missing[0]?.path}, ${missing[0]?.why})`);
  if (unreadable.length) {
    log.warn(`${unreadable.length} of ${totalFiles} DICOM files do not decode and are skipped:`);
    for (const u of unreadable.slice(0, LOGGED)) log.warn(`  ${u.message}`);
    if (unreadable.length > LOGGED) log.warn(`  … and ${unreadable.length - LOGGED} more`);
  }
}

/**
 * Reads a label CSV, finds its DICOM files and checks that each decodes (`checkFile`, the one
 * definition of "readable" the audit uses too), in a worker pool and through the cache of
 * verdicts and preprocessed images, so a file the audit decoded is not decoded again. With
 * `views: "one"` an accession whose first file does not decode takes its next readable view
 * (logged); unreadable files are recorded in `unreadable` (the loader goes on; `checkReadable`
 * decides whether that is too many); a file reached twice through links counts once. CSV
 * problems (unknown label, conflicting duplicates, ambiguous label coding, a path outside the
 * root) are usage errors naming the file, row and value.
 */
export async function loadDataset(options: DatasetOptions, ctx?: LoadContext): Promise<Dataset> {
  const log = ctx?.log ?? silentLog;
  const root = openRoot(options.dicomRoot);
  const { table, entries, class5 } = readEntries(options, log);
  const { pending, missing, linked } = findCandidates(root, table, entries, log);
  const oneView = (options.views ?? "one") === "one";
  await checkCandidates(pending, options, ctx, oneView);
  const { samples, unreadable, used, totalFiles } = collectSamples(pending, root.path, oneView, log);
  logProblems(missing, unreadable, totalFiles, log);
  const unlisted = unlistedDirs(root.path, table);
  if (unlisted.length) log.info(`${unlisted.length} directories under ${root.path} have no CSV row (first: ${unlisted[0]})`);
  return {
    samples,
    fingerprint: dataFingerprint(used),
    unreadable,
    totalFiles,
    format: table.format,
    csvRows: table.csvRows,
    missing,
    unlistedDirs: unlisted,
    skipped: { class5, emptyLabel: table.emptyLabelRows.length, duplicates: table.duplicates.length, linkedFiles: linked },
  };
}
