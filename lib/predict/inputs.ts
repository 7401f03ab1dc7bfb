import { readCsv } from "../dataset/csv.ts";
import { checkInsideRoot, insideRoot, isDir } from "../dataset/files.ts";
import { findFiles, openRoot, type DataRoot } from "../dataset/scan.ts";
import { checkFile, loadDataset, type DatasetFormat, type LabelCoding, type LoadContext, type Sample } from "../dataset/index.ts";
import { TaskError, usageError } from "../errors/index.ts";

/** One image to predict, with its label when the CSV has one. */
export interface PredictSample {
  accession: string;
  patientId: string | null;
  imagePath: string;
  /** BI-RADS density 1–4, or null for an unlabelled CSV. */
  label: number | null;
  /** 1-based CSV line. */
  row: number;
  sha256?: string;
}

/** The images of a CSV, labelled or not. */
export interface PredictInputs {
  samples: PredictSample[];
  labelled: boolean;
  /** The label CSV's format (`unlabelled` for a plain list). */
  format: DatasetFormat | "unlabelled";
  /** Files listed but unreadable, left out. */
  unreadable: number;
}

/**
 * Reads what to predict. A CSV the dataset loader understands (classificacao.csv, a path-based
 * CSV, CBIS-DDSM, VinDr-Mammo, RSNA: any format with its label column) gives labelled samples,
 * exactly as `train` reads them; rows with an empty label are skipped, as there. A CSV without a
 * label column is read as a list: `image_path` (files under the DICOM root) or `AccessionNumber`
 * / `accession` (every DICOM under `<root>/<accession>/`, the first readable one with views
 * "one"). Class-5 rows are never predicted: the models have 4 outputs.
 */
export async function readPredictInputs(
  options: { csv: string; dicomRoot: string; format: "auto" | DatasetFormat; views: "one" | "all"; labelCoding: LabelCoding; cacheDir: string },
  ctx: LoadContext,
): Promise<PredictInputs> {
  const table = readCsv(options.csv);
  if (hasLabelColumn(table.columns) || options.format !== "auto") {
    const dataset = await loadDataset({ csv: options.csv, dicomRoot: options.dicomRoot, views: options.views, format: options.format, labelCoding: options.labelCoding, cacheDir: options.cacheDir }, ctx);
    const samples = dataset.samples.map((s) => ({ accession: s.accession, patientId: s.patientId, imagePath: s.imagePath, label: s.label, row: s.row, ...(s.sha256 ? { sha256: s.sha256 } : {}) }));
    if (!samples.length) throw usageError("no_samples", `no readable labelled image in ${options.csv} under ${options.dicomRoot}`);
    return { samples, labelled: true, format: dataset.format, unreadable: dataset.unreadable.length };
  }
  const pathColumn = table.columns.includes("image_path") ? "image_path" : null;
  const accessionColumn = ["AccessionNumber", "accession"].find((c) => table.columns.includes(c)) ?? null;
  if (!pathColumn && !accessionColumn) {
    throw usageError("missing_column", `${options.csv}: no label column and no image_path, AccessionNumber or accession column to list images by (columns found: ${table.columns.join(", ")})`);
  }
  const root = openRoot(options.dicomRoot);
  const samples: PredictSample[] = [];
  let unreadable = 0;
  const bar = ctx.progress("reading DICOM files", table.rows.length);
  for (const row of table.rows) {
    const where = `${options.csv} row ${row.line}`;
    const value = row.values[(pathColumn ?? accessionColumn) as string] ?? "";
    if (!value) throw usageError("bad_csv_row", `${where}: empty ${pathColumn ?? accessionColumn}`);
    const accession = accessionColumn ? (row.values[accessionColumn] ?? value) : (row.values.accession ?? value);
    const files = pathColumn ? [imageFile(root, value, where)] : accessionFiles(root, value, where);
    for (const file of files) {
      // The loader's own definition of readable: the file decodes.
      const verdict = await checkFile({ file, cacheDir: null, writable: false, preprocess: null, returnEntry: false });
      if (!verdict.readable) {
        unreadable++;
        ctx.log.warn(`${where}: ${verdict.message}`);
        continue;
      }
      samples.push({ accession, patientId: row.values.patient_id || verdict.tags.patientId?.trim() || null, imagePath: file, label: null, row: row.line, sha256: verdict.sha256 });
      if (options.views === "one") break;
    }
    bar.increment(1);
  }
  bar.stop();
  if (!samples.length) throw usageError("no_samples", `no readable image listed in ${options.csv} under ${options.dicomRoot}`);
  return { samples, labelled: false, format: "unlabelled", unreadable };
}

/** Columns that make a CSV labelled (classificacao, path-based, CBIS-DDSM, VinDr-Mammo, RSNA). */
function hasLabelColumn(columns: readonly string[]): boolean {
  return ["Classification", "density_label", "label", "y", "professional_label", "breast_density", "breast density", "density"].some((c) => columns.includes(c));
}

/** The file an `image_path` names, refused when it leaves the DICOM root (lexically or through a link). */
function imageFile(root: DataRoot, rel: string, where: string): string {
  const file = insideRoot(root.path, rel, where);
  checkInsideRoot(root.real, root.path, file, where);
  return file;
}

/** The DICOM files of an accession directory (zero-padded to 6 digits when only that exists), in sorted path order. */
function accessionFiles(root: DataRoot, accession: string, where: string): string[] {
  for (const name of [accession, accession.padStart(6, "0")]) {
    const dir = insideRoot(root.path, name, where);
    if (isDir(dir)) {
      const files = findFiles(root, dir, where).map((f) => f.path);
      if (!files.length) throw usageError("missing_input", `${where}: no DICOM files under ${dir}`);
      return files;
    }
  }
  throw usageError("missing_input", `${where}: no directory ${accession} under ${root.path}`);
}

/**
 * The sample as the image cache takes it. The cache reads only the file and its hash, so an
 * unlabelled sample's placeholder label never reaches anything.
 */
export function cacheSample(s: PredictSample): Sample {
  if (s.label !== null && (s.label < 1 || s.label > 4)) throw new TaskError("bad_label", `${s.imagePath}: label ${s.label} (a model predicts 1–4)`);
  return { accession: s.accession, patientId: s.patientId, label: (s.label ?? 1) as Sample["label"], imagePath: s.imagePath, viewPosition: null, laterality: null, row: s.row, ...(s.sha256 ? { sha256: s.sha256 } : {}) };
}
