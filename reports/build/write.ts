import { existsSync, readFileSync } from "node:fs";
import type { ReportFile } from "./types.ts";

/** What writing the report did. */
export interface WriteOutcome {
  written: string[];
  unchanged: string[];
}

/**
 * Writes each file whose bytes differ from what is on disk, through `write` (atomic: temp file +
 * rename); a file with the same bytes is left alone, mtime included, so tools that watch the
 * assets (latexmk, make) rebuild only what changed.
 */
export function writeReport(files: readonly ReportFile[], write: (path: string, data: Uint8Array) => void): WriteOutcome {
  const outcome: WriteOutcome = { written: [], unchanged: [] };
  for (const file of files) {
    const bytes = typeof file.data === "string" ? Buffer.from(file.data, "utf8") : Buffer.from(file.data.buffer, file.data.byteOffset, file.data.byteLength);
    if (existsSync(file.path) && readFileSync(file.path).equals(bytes)) outcome.unchanged.push(file.path);
    else {
      write(file.path, bytes);
      outcome.written.push(file.path);
    }
  }
  return outcome;
}
