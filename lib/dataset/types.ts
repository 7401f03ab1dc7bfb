import type { PreprocessOptions } from "../dicom/index.ts";
import type { DatasetFormat } from "./formats.ts";
import type { DensityLabel, LabelCoding } from "./labels.ts";
import type { MissingWhy } from "./scan.ts";

/** One labelled image. */
export interface Sample {
  /** Accession number as a string, leading zeros kept. */
  accession: string;
  /** PatientID from the CSV or the DICOM header; null when unknown (then grouping falls back to accession). */
  patientId: string | null;
  /** BI-RADS density 1–4 (5 = non-standard incidence, only with includeClass5). */
  label: DensityLabel;
  /** Path of the image file (as resolved under dicomRoot). */
  imagePath: string;
  viewPosition: string | null;
  laterality: string | null;
  /** 1-based line in the CSV the sample came from (for error messages). */
  row: number;
  /**
   * SHA-256 of the file's bytes when the loader read it. The preprocessing cache keys on it; when
   * absent (a Sample built by hand) the cache hashes the file itself.
   */
  sha256?: string;
}

export interface DatasetOptions {
  /** Label CSV (see `DatasetFormat`). */
  csv: string;
  /** Folder the CSV's accessions / image paths are relative to. */
  dicomRoot: string;
  /** Keep class 5 (non-standard incidence); default false. */
  includeClass5?: boolean;
  /**
   * Exam-level formats (classificacao.csv) only: `one` (default) keeps one image per accession,
   * the first readable DICOM in sorted path order (the reference pipeline took the first file);
   * `all` keeps every readable view. Image-level formats list images, one sample per row.
   */
  views?: "one" | "all";
  /** Default `auto`: detected from the header row. */
  format?: "auto" | DatasetFormat;
  /** How a path-based CSV's label column counts (`0-3`, `1-4`, `A-D`); default `auto`: from the values, refused when they cannot tell. */
  labelCoding?: LabelCoding;
  /**
   * Cache of decode verdicts and preprocessed images (default `.cache/preprocessed`); null for
   * none. A read-only folder is read, not written.
   */
  cacheDir?: string | null;
  /** Preprocess each file that decodes into the cache as well (training's size and window), so training then only reads entries. */
  preprocess?: PreprocessOptions;
  /** Workers decoding files; default: every core (small batches decode on the calling thread). */
  workers?: number;
}

/** A CSV entry that matched nothing on disk. */
export interface MissingEntry {
  row: number;
  accession: string;
  /** The directory or file looked for, relative to the DICOM root. */
  path: string;
  why: MissingWhy;
}

export interface Dataset {
  samples: Sample[];
  /** SHA-256 over sorted (path, file sha256, label): see `dataFingerprint`. */
  fingerprint: string;
  /** Files examined that do not decode (see `checkFile`), with the reason code and message. */
  unreadable: { path: string; reason: string; message: string }[];
  /** DICOM files examined (readable + unreadable). With `views: "one"` the loader stops at an accession's first readable file. */
  totalFiles: number;
  format: DatasetFormat;
  /** Non-blank data rows in the CSV. */
  csvRows: number;
  /** CSV entries without a directory, file or DICOM (not fatal). */
  missing: MissingEntry[];
  /** Directories under the DICOM root that no CSV row names (not fatal). */
  unlistedDirs: string[];
  /** Rows left out: class 5 (without includeClass5), empty label, merged duplicates; files reached a second time through links. */
  skipped: { class5: number; emptyLabel: number; duplicates: number; linkedFiles: number };
}
