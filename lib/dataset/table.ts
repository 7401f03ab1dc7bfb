import { posix } from "node:path";
import { usageError } from "../errors/index.ts";
import { readCsv, type CsvTable } from "./csv.ts";
import { readRows, resolveFormat, type DatasetFormat, type LabelEntry } from "./formats.ts";
import type { LabelCoding } from "./labels.ts";

/** A label CSV read and checked: one entry per exam (exam-level formats) or image (image-level ones). */
export interface LabelTable {
  file: string;
  format: DatasetFormat;
  /** Non-blank data rows in the file. */
  csvRows: number;
  /** Entries in CSV order, duplicates merged; class 5 included (callers filter). */
  entries: LabelEntry[];
  /** 1-based rows whose label cell was empty (skipped). */
  emptyLabelRows: number[];
  /** One line per merged duplicate row (same key, same label), for the log. */
  duplicates: string[];
}

/** What makes two rows the same thing: the accession (zero-padded as upstream does) or the image path. */
function keyOf(entry: LabelEntry): { key: string; what: string } {
  if (entry.target.kind === "dir") return { key: entry.accession.padStart(6, "0"), what: `accession "${entry.accession}"` };
  return { key: posix.normalize(entry.target.file), what: `image "${entry.target.file}"` };
}

/** Builds the label table from a parsed CSV; see `readLabelTable`. */
export function labelTable(table: CsvTable, format: DatasetFormat | "auto", coding: LabelCoding = "auto"): LabelTable {
  const resolved = resolveFormat(table, format);
  const entries: LabelEntry[] = [];
  const emptyLabelRows: number[] = [];
  const duplicates: string[] = [];
  const seen = new Map<string, LabelEntry>();
  for (const result of readRows(table, resolved, coding)) {
    if ("emptyLabel" in result) {
      emptyLabelRows.push(result.row);
      continue;
    }
    const { key, what } = keyOf(result);
    const earlier = seen.get(key);
    if (!earlier) {
      seen.set(key, result);
      entries.push(result);
    } else if (earlier.label !== result.label) {
      throw usageError(
        "conflicting_labels",
        `${table.file} row ${result.row}: ${what} has label ${result.label}, but row ${earlier.row} gave it label ${earlier.label}`,
      );
    } else {
      duplicates.push(`${table.file} row ${result.row}: duplicate of row ${earlier.row} (${what}, label ${result.label}), merged`);
    }
  }
  return { file: table.file, format: resolved, csvRows: table.rows.length, entries, emptyLabelRows, duplicates };
}

/**
 * Reads a label CSV in `format` (`auto`: from the header), its labels in `coding` (`auto`: from
 * the values, refused when they cannot tell). Errors name the file, the 1-based row and the
 * value: unknown label, empty identifier, conflicting duplicate, missing column, ambiguous coding.
 */
export function readLabelTable(csv: string, format: DatasetFormat | "auto" = "auto", coding: LabelCoding = "auto"): LabelTable {
  return labelTable(readCsv(csv), format, coding);
}
