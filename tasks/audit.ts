import { join } from "node:path";
import { z } from "zod";
import { DATASET_FORMATS, DEFAULT_CACHE_DIR, LABEL_CODINGS, auditArchive } from "../lib/dataset/index.ts";
import { usageError } from "../lib/errors/index.ts";
import { defineTask } from "../lib/task/index.ts";

/** Columns of `data_audit.csv`, in the reference pipeline's order. */
const AUDIT_COLUMNS = ["accession", "classification", "dicom_count", "readable_count", "unreadable_count", "sample_checksum", "notes"] as const;

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
      auditPath,
      AUDIT_COLUMNS,
      report.rows.map((r) => [r.accession, r.classification, r.dicomCount, r.readableCount, r.unreadableCount, r.sampleChecksum, r.notes]),
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
