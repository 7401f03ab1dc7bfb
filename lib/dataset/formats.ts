import { posix } from "node:path";
import { usageError } from "../errors/index.ts";
import type { CsvRow, CsvTable } from "./csv.ts";
import { cbisLabel, classificacaoLabel, codedLabel, detectCoding, letterLabel, type DensityLabel, type LabelCoding } from "./labels.ts";

/** The CSV layouts `loadDataset` understands (`auto` picks one from the header). */
export const DATASET_FORMATS = ["classificacao", "paths", "cbis-ddsm", "vindr", "rsna"] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

/**
 * Where a CSV row's images are, relative to the DICOM root: every DICOM file under a directory
 * (exam-level formats) or one image file (image-level formats).
 */
export type EntryTarget =
  /** `dir`, or `padded` when only that exists (an accession that lost its leading zeros in a spreadsheet). */
  | { kind: "dir"; dir: string; padded: string | null }
  /** `file`, or the DICOMs under `fallbackDir` when `file` does not exist (CBIS-DDSM's TCIA layout). */
  | { kind: "file"; file: string; fallbackDir: string | null };

/** One labelled CSV row, normalised. */
export interface LabelEntry {
  /** 1-based line in the CSV. */
  row: number;
  accession: string;
  label: DensityLabel;
  patientId: string | null;
  viewPosition: string | null;
  laterality: string | null;
  target: EntryTarget;
}

/** A row whose label cell is empty: skipped and counted, not an error (RSNA leaves `density` empty for many images). */
export type RowResult = LabelEntry | { row: number; emptyLabel: true };

interface FormatSpec {
  /** Each inner list is one required column, any of whose spellings may appear. */
  required: readonly (readonly string[])[];
  /** The label coding the format fixes (null: the column's own, see `LabelCoding`). */
  coding: Exclude<LabelCoding, "auto"> | null;
  read(table: CsvTable, coding: LabelCoding): RowResult[];
}

const LABEL_COLUMNS = ["density_label", "label", "y", "professional_label"] as const;

function cell(row: CsvRow, ...names: string[]): string {
  for (const n of names) {
    const v = row.values[n];
    if (v !== undefined) return v;
  }
  return "";
}

function optional(row: CsvRow, ...names: string[]): string | null {
  return cell(row, ...names) || null;
}

/** A required identifier cell; empty is an error naming file, row and column. */
function ident(table: CsvTable, row: CsvRow, name: string): string {
  const v = cell(row, name);
  if (!v) throw usageError("bad_csv_row", `${table.file} row ${row.line}: empty ${name}`);
  return v;
}

function labelOf(table: CsvTable, row: CsvRow, column: string, parse: (v: string) => DensityLabel | null, expected: string): DensityLabel | "empty" {
  const raw = cell(row, column);
  if (raw === "") return "empty";
  const label = parse(raw);
  if (label === null) throw usageError("unknown_label", `${table.file} row ${row.line}: unknown label in ${column}: "${raw}" (expected ${expected})`);
  return label;
}

function toPosix(path: string): string {
  return path.replaceAll("\\", "/");
}

function entryOrEmpty(row: CsvRow, label: DensityLabel | "empty", rest: Omit<LabelEntry, "row" | "label">): RowResult {
  return label === "empty" ? { row: row.line, emptyLabel: true } : { row: row.line, label, ...rest };
}

const SPECS: Record<DatasetFormat, FormatSpec> = {
  classificacao: {
    required: [["AccessionNumber"], ["Classification"]],
    coding: "1-4",
    read: (t) =>
      t.rows.map((r) => {
        const accession = accessionFolder(t, r, ident(t, r, "AccessionNumber"));
        const padded = accession.padStart(6, "0");
        return entryOrEmpty(r, labelOf(t, r, "Classification", classificacaoLabel, "1–5"), {
          accession,
          patientId: null,
          viewPosition: null,
          laterality: null,
          target: { kind: "dir", dir: accession, padded: padded === accession ? null : padded },
        });
      }),
  },
  paths: {
    required: [["image_path"], LABEL_COLUMNS],
    coding: null,
    read: (t, requested) => {
      const column = LABEL_COLUMNS.find((c) => t.columns.includes(c)) as string;
      const { parse, expected } = pathsCoding(t, column, requested);
      return t.rows.map((r) => {
        const file = toPosix(ident(t, r, "image_path"));
        return entryOrEmpty(r, labelOf(t, r, column, parse, expected), {
          accession: optional(r, "accession", "AccessionNumber") ?? file,
          patientId: optional(r, "patient_id"),
          viewPosition: null,
          laterality: null,
          target: { kind: "file", file, fallbackDir: null },
        });
      });
    },
  },
  "cbis-ddsm": {
    // The mass description CSVs spell `breast_density`, the calcification ones `breast density`.
    required: [["image file path"], ["breast_density", "breast density"], ["patient_id"]],
    coding: "1-4",
    read: (t) => {
      const column = t.columns.includes("breast_density") ? "breast_density" : "breast density";
      return t.rows.map((r) => {
        const file = toPosix(ident(t, r, "image file path"));
        const first = file.split("/")[0] as string;
        return entryOrEmpty(r, labelOf(t, r, column, cbisLabel, "1–4"), {
          accession: first,
          patientId: ident(t, r, "patient_id"),
          viewPosition: optional(r, "image view"),
          laterality: optional(r, "left or right breast"),
          target: { kind: "file", file, fallbackDir: file.includes("/") ? first : null },
        });
      });
    },
  },
  vindr: {
    required: [["study_id"], ["image_id"], ["breast_density"]],
    coding: "A-D",
    read: (t) =>
      t.rows.map((r) => {
        const study = ident(t, r, "study_id");
        return entryOrEmpty(r, labelOf(t, r, "breast_density", letterLabel, '"DENSITY A".."DENSITY D"'), {
          accession: study,
          patientId: null,
          viewPosition: optional(r, "view_position"),
          laterality: optional(r, "laterality"),
          target: { kind: "file", file: `${study}/${ident(t, r, "image_id")}.dicom`, fallbackDir: null },
        });
      }),
  },
  rsna: {
    required: [["patient_id"], ["image_id"], ["density"]],
    coding: "A-D",
    read: (t) =>
      t.rows.map((r) => {
        const patient = ident(t, r, "patient_id");
        return entryOrEmpty(r, labelOf(t, r, "density", letterLabel, "A–D"), {
          // RSNA gives no study identifier; each patient has one screening exam.
          accession: patient,
          patientId: patient,
          viewPosition: optional(r, "view"),
          laterality: optional(r, "laterality"),
          target: { kind: "file", file: `${patient}/${ident(t, r, "image_id")}.dcm`, fallbackDir: null },
        });
      }),
  },
};

/** Detection order: the specific public layouts before the generic path-based one. */
const DETECTION_ORDER: readonly DatasetFormat[] = ["classificacao", "vindr", "rsna", "cbis-ddsm", "paths"];

function hasAll(columns: readonly string[], spec: FormatSpec): boolean {
  return spec.required.every((alternatives) => alternatives.some((c) => columns.includes(c)));
}

function describeRequired(spec: FormatSpec): string {
  return spec.required.map((alts) => alts.join(" or ")).join(", ");
}

/** The format named, or the first whose required columns the header has; otherwise a usage error listing the columns found. */
export function resolveFormat(table: CsvTable, format: DatasetFormat | "auto"): DatasetFormat {
  const found = `columns found: ${table.columns.join(", ")}`;
  if (format !== "auto") {
    const spec = SPECS[format];
    const missing = spec.required.filter((alts) => !alts.some((c) => table.columns.includes(c)));
    if (missing.length) {
      throw usageError("missing_column", `${table.file}: missing required column ${missing.map((a) => a.join(" or ")).join(", ")} for format ${format} (${found})`);
    }
    return format;
  }
  const detected = DETECTION_ORDER.find((f) => hasAll(table.columns, SPECS[f]));
  if (!detected) {
    const known = DETECTION_ORDER.map((f) => `${f}: ${describeRequired(SPECS[f])}`).join("; ");
    throw usageError("missing_column", `${table.file}: cannot tell the dataset format from the header (${found}; expected one of ${known})`);
  }
  return detected;
}

/**
 * Every data row of `table` read in `format`: labelled entries, or rows with an empty label.
 * `coding` is how the label column counts (`--label-coding`); formats that fix their coding
 * refuse another one rather than silently reading it their own way.
 */
export function readRows(table: CsvTable, format: DatasetFormat, coding: LabelCoding = "auto"): RowResult[] {
  const spec = SPECS[format];
  if (coding !== "auto" && spec.coding !== null && coding !== spec.coding) {
    const own = spec.coding === "1-4" ? (format === "classificacao" ? "1–5 (A–D, 5 non-standard)" : "1–4") : "A–D";
    throw usageError("bad_value", `invalid --label-coding: ${coding} (${table.file} is a ${format} CSV, whose labels are ${own} by definition; leave --label-coding at auto)`);
  }
  return spec.read(table, coding);
}

/**
 * How a path-based CSV's label column is read: the coding asked for, or under `auto` the one its
 * values show (`detectCoding`); refused, naming `--label-coding`, when they show none.
 */
function pathsCoding(t: CsvTable, column: string, requested: LabelCoding): { parse: (v: string) => DensityLabel | null; expected: string } {
  const RANGE = { "0-3": "0–3", "1-4": "1–4 (5: non-standard)", "A-D": "A–D" } as const;
  if (requested !== "auto") return { parse: (v) => codedLabel(v, requested), expected: `${RANGE[requested]}, as --label-coding ${requested} says` };
  const evidence = detectCoding(t.rows.map((r) => cell(r, column)));
  if ("ambiguous" in evidence) {
    const counts = Object.entries(evidence.ambiguous).map(([v, n]) => `${v}: ${n}`).join(", ");
    throw usageError(
      "ambiguous_labels",
      `${t.file}: the numbers in column ${column} are all 1, 2 or 3 (${counts} rows), which are B–D if the column counts from 0 and A–C if it counts from 1: pass --label-coding 0-3 or --label-coding 1-4`,
    );
  }
  if ("conflicting" in evidence) {
    throw usageError(
      "ambiguous_labels",
      `${t.file}: column ${column} holds ${evidence.conflicting.zero} label(s) 0 (only a 0-based column has one) and a ${evidence.conflicting.high} (only a 1-based column has one): fix the labels, or pass --label-coding to say which rows are wrong`,
    );
  }
  const coding = evidence.coding;
  // Letters always read as A–D; the numbers follow what the column shows.
  const parse = (v: string) => letterLabel(v) ?? (coding === "A-D" ? null : codedLabel(v, coding));
  const why = coding === "0-3" ? "A–D or 0–3 (this column holds a 0, so it counts from 0)" : coding === "1-4" ? "A–D, 1–4 or 5 (this column holds a 4 or 5, so it counts from 1)" : "A–D";
  return { parse, expected: why };
}

/**
 * An AccessionNumber as the folder name it is: `./000023`, `000023/` and `000023/./` are all
 * `000023` (so two spellings cannot give one exam two labels); a value that is not a single folder
 * name (`a/b`, `..`) is refused, naming the row.
 */
function accessionFolder(t: CsvTable, r: CsvRow, raw: string): string {
  const normal = posix.normalize(toPosix(raw)).replace(/^(\.\/)+/, "").replace(/\/+$/, "");
  if (normal === "" || normal === "." || normal === ".." || normal.includes("/")) {
    throw usageError("bad_accession", `${t.file} row ${r.line}: AccessionNumber "${raw}" is not a folder name (it must not contain "/" or be "." or "..")`);
  }
  return normal;
}
