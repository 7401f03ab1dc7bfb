import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { TaskError, usageError } from "../errors/index.ts";

/** One data row of a CSV file, with its 1-based line number (the header is line 1). */
export interface CsvRow {
  line: number;
  /** Field values by header name, trimmed. Absent columns are absent keys. */
  values: Record<string, string>;
}

/** A parsed CSV file: its header names (trimmed, in file order) and its non-blank data rows. */
export interface CsvTable {
  file: string;
  columns: string[];
  rows: CsvRow[];
}

/**
 * The field separator, chosen from the header line: whichever of `,` `;` TAB occurs most often
 * outside quotes (`,` on a tie or when none occurs). Spreadsheets in locales with a decimal comma
 * export `;`, which is why the header decides rather than a fixed `,`.
 */
export function detectDelimiter(headerLine: string): string {
  const counts = new Map<string, number>([
    [",", 0],
    [";", 0],
    ["\t", 0],
  ]);
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, (counts.get(ch) as number) + 1);
  }
  let best = ",";
  for (const [sep, n] of counts) if (n > (counts.get(best) as number)) best = sep;
  return best;
}

/**
 * Parses CSV text: UTF-8 BOM dropped, CRLF or CR line ends, quoted fields (with separators,
 * quotes or newlines inside), blank or whitespace-only lines skipped, fields trimmed. A row with
 * more or fewer fields than the header is an error naming the file and line.
 */
export function parseCsvText(text: string, file: string): CsvTable {
  // Line ends are normalised first so that csv-parse's line counter matches an editor's.
  const normalised = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  const headerLine = normalised.slice(0, normalised.indexOf("\n") === -1 ? undefined : normalised.indexOf("\n"));
  const delimiter = detectDelimiter(headerLine);
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(normalised, { delimiter, info: true, trim: true, skip_empty_lines: true, relax_column_count: true }) as unknown as typeof records;
  } catch (err) {
    const e = err as Error & { lines?: number };
    throw usageError("bad_csv", `${file}: cannot parse CSV${e.lines ? ` at row ${e.lines}` : ""}: ${e.message}`);
  }
  const first = records[0];
  if (!first || first.record.every((f) => f === "")) throw usageError("bad_csv", `${file}: empty CSV (no header row)`);
  const columns = first.record.map((c) => c.trim());
  const duplicate = columns.find((c, i) => columns.indexOf(c) !== i);
  if (duplicate !== undefined) throw usageError("bad_csv", `${file}: column "${duplicate}" appears twice in the header`);
  const rows: CsvRow[] = [];
  for (const { record: raw, info } of records.slice(1)) {
    // csv-parse reports the line a record ends on; a quoted field with newlines started earlier.
    const line = info.lines - raw.reduce((n, f) => n + (f.match(/\n/g)?.length ?? 0), 0);
    // `trim` leaves quoted content alone; CBIS-DDSM quotes paths that end in a newline.
    const record = raw.map((f) => f.trim());
    if (record.every((f) => f === "")) continue;
    if (record.length !== columns.length) {
      throw usageError("bad_csv", `${file} row ${line}: ${record.length} fields, the header has ${columns.length} (separator "${delimiter === "\t" ? "\\t" : delimiter}")`);
    }
    const values: Record<string, string> = {};
    columns.forEach((c, i) => {
      values[c] = record[i] as string;
    });
    rows.push({ line, values });
  }
  return { file, columns, rows };
}

/** Reads and parses a CSV file (see `parseCsvText`); a missing file is a usage error naming it. */
export function readCsv(file: string): CsvTable {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw usageError("missing_csv", `CSV not found: ${file}`);
    throw new TaskError("csv_io", `cannot read CSV ${file}: ${(err as Error).message}`, { exitCode: 2 });
  }
  return parseCsvText(text, file);
}
