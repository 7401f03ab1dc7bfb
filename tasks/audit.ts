import { join } from "node:path";
import { z } from "zod";
import { DATASET_FORMATS, DEFAULT_CACHE_DIR, LABEL_CODINGS, auditArchive } from "../lib/dataset/index.ts";
import { csvInt, defineArtifact, enveloped } from "../lib/artifacts/index.ts";
import { usageError } from "../lib/errors/index.ts";
import { defineTask } from "../lib/task/index.ts";

/** Columns of `data_audit.csv`, in the reference pipeline's order. */
const AUDIT_COLUMNS = ["accession", "classification", "dicom_count", "readable_count", "unreadable_count", "sample_checksum", "notes"] as const;

const count = z.number().int().nonnegative();

export const dataManifestJson = defineArtifact({
  name: "data_manifest",
  path: "<outdir>/data_manifest.json",
  format: "json",
  schema: enveloped(
    z.object({
      generated_at: z.string(),
      total_accessions: count,
      total_csv_entries: count,
      exams_missing_dir: z.array(z.string()),
      dirs_missing_csv: z.array(z.string()),
      class_histogram: z.record(z.string(), count),
      total_dicom_files: count,
      /** Files whose frame 0 decodes completely. */
      total_readable_files: count,
      readability_ratio: z.number().min(0).max(1),
      format: z.enum(DATASET_FORMATS),
      data_fingerprint: z.string(),
      files: z.array(
        z.object({
          /** Relative to the DICOM root, `/`-separated. */
          path: z.string(),
          /** SHA-256 of the bytes; "" when refused before being read whole. */
          sha256: z.string(),
          readable: z.boolean(),
          /** Why it is unreadable; null when readable. */
          reason: z.string().nullable(),
        }),
      ),
    }),
  ),
  enveloped: true,
  writer: "tasks/audit.ts",
  readers: [],
  description: "The archive's inventory against its CSV: the reference pipeline's keys (generated_at, totals, missing exams and folders, class histogram, readability) plus the CSV format, the dataset fingerprint and every file's SHA-256 and decode verdict.",
  version: 1,
});

export const dataAuditCsv = defineArtifact({
  name: "data_audit",
  path: "<outdir>/data_audit.csv",
  format: "csv",
  schema: z.object({
    accession: z.string(),
    classification: z.string(),
    dicom_count: csvInt,
    readable_count: csvInt,
    unreadable_count: csvInt,
    /** SHA-256 of the accession's first readable file; empty when none was read whole. */
    sample_checksum: z.string().regex(/^([0-9a-f]{64})?$/),
    notes: z.string(),
  }),
  enveloped: false,
  writer: "tasks/audit.ts",
  readers: [],
  description: "One row per accession (the reference pipeline's columns): label, DICOM files found, readable and unreadable counts, a sample checksum, notes.",
  version: 1,
});

export default defineTask({
  name: "audit",
  description: "Inventory the DICOM archive against the label CSV, decoding every file (the readability training uses): data_manifest.json + data_audit.csv",
  params: z.object({
    csv: z.string().describe("label CSV (classificacao.csv, a path-based CSV, or a CBIS-DDSM / VinDr-Mammo / RSNA one)"),
    dicomRoot: z.string().default("archive").describe("folder holding <AccessionNumber>/**/*.dcm (or the paths the CSV names)"),
    outdir: z.string().default("outputs/audit").describe("directory to write data_manifest.json and data_audit.csv into"),
    format: z.enum(["auto", ...DATASET_FORMATS]).default("auto").describe("CSV layout; auto detects it from the header"),
    includeClass5: z.boolean().default(false).describe("count class 5 (non-standard incidence) as used data"),
    labelCoding: z.enum(LABEL_CODINGS).default("auto").describe("how a path-based CSV's numeric labels count: 0-3 or 1-4 (A = 0 or 1), A-D; auto tells from the values and refuses when it cannot"),
    imgSize: z.number().int().nonnegative().default(512).describe("also preprocess every readable file at this size into the cache, as train --img-size will (0: decode only)"),
    window: z.enum(["percentile", "voi"]).default("percentile").describe("intensity window of that preprocessing (train --window)"),
    cacheDir: z.string().default(DEFAULT_CACHE_DIR).describe("cache of decode verdicts and preprocessed images, shared with split and train (a read-only one is read, not written)"),
  }),
  examples: ["bun run task audit --csv classificacao.csv --dicom-root archive --outdir outputs/audit", "bun run task audit --csv labels.csv --dicom-root images --label-coding 0-3 --img-size 224"],
  outputs: (p) => [join(p.outdir, "data_manifest.json"), join(p.outdir, "data_audit.csv")],
  async run(params, ctx) {
    if (params.imgSize > 0 && params.imgSize < 8) throw usageError("bad_value", `invalid --img-size: ${params.imgSize} (expected 0, or at least 8 as train takes)`);
    const report = await auditArchive(
      {
        csv: params.csv,
        dicomRoot: params.dicomRoot,
        format: params.format,
        includeClass5: params.includeClass5,
        labelCoding: params.labelCoding,
        cacheDir: params.cacheDir,
        ...(params.imgSize > 0 ? { preprocess: { imgSize: params.imgSize, window: params.window } } : {}),
      },
      ctx,
    );
    const manifestPath = join(params.outdir, "data_manifest.json");
    const auditPath = join(params.outdir, "data_audit.csv");
    ctx.artifacts.writeJson(
      dataManifestJson,
      manifestPath,
      {
        generated_at: ctx.clock.now().toISOString(),
        total_accessions: report.totalAccessions,
        total_csv_entries: report.totalCsvEntries,
        exams_missing_dir: report.examsMissingDir,
        dirs_missing_csv: report.dirsMissingCsv,
        class_histogram: report.classHistogram,
        total_dicom_files: report.totalDicomFiles,
        total_readable_files: report.totalReadableFiles,
        readability_ratio: report.readabilityRatio,
        format: report.format,
        data_fingerprint: report.dataFingerprint,
        files: report.files,
      },
      [params.csv],
    );
    ctx.artifacts.writeCsv(
      dataAuditCsv,
      auditPath,
      AUDIT_COLUMNS,
      report.rows.map((r) => [r.accession, r.classification, r.dicomCount, r.readableCount, r.unreadableCount, r.sampleChecksum, r.notes]),
      [params.csv],
    );
    const pct = (100 * report.readabilityRatio).toFixed(2);
    ctx.log.info(`DICOM files readable (frame 0 decodes): ${report.totalReadableFiles}/${report.totalDicomFiles} (${pct}%) in ${report.totalAccessions} exams`);
    const bad = report.files.filter((f) => !f.readable);
    if (bad.length) ctx.log.warn(`${bad.length} unreadable: ${bad.slice(0, 5).map((f) => `${f.path} (${f.reason})`).join(", ")}${bad.length > 5 ? ", …" : ""} (all in ${auditPath})`);
    if (report.examsMissingDir.length) ctx.log.warn(`${report.examsMissingDir.length} CSV accessions have no folder (first: ${report.examsMissingDir[0]})`);
    if (report.dirsMissingCsv.length) ctx.log.warn(`${report.dirsMissingCsv.length} folders have no CSV row (first: ${report.dirsMissingCsv[0]})`);
    ctx.log.info(`wrote ${auditPath}`);
    return {
      path: manifestPath,
      audit: auditPath,
      totalDicomFiles: report.totalDicomFiles,
      totalReadableFiles: report.totalReadableFiles,
      readabilityRatio: report.readabilityRatio,
      dataFingerprint: report.dataFingerprint,
    };
  },
});
