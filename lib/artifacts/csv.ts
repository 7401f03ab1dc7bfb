import { writeFileAtomic } from "./atomic.ts";

export type CsvValue = string | number | boolean | null | undefined;

/** One CSV field, quoted when it holds a separator, quote or newline (RFC 4180). */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  const s = typeof value === "number" && !Number.isFinite(value) ? String(value) : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** CSV text with a header row, `\n` line ends and a final newline. */
export function toCsv(columns: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  const lines = [columns.map(csvField).join(",")];
  for (const row of rows) lines.push(row.map(csvField).join(","));
  return `${lines.join("\n")}\n`;
}

/** Writes a CSV file atomically. */
export function writeCsvAtomic(path: string, columns: readonly string[], rows: readonly (readonly CsvValue[])[]): void {
  writeFileAtomic(path, toCsv(columns, rows));
}
