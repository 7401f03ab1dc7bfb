import { TaskError } from "../errors/index.ts";
import type { Dataset } from "./types.ts";

/** How many unreadable files the error lists. */
const SHOWN = 10;

/**
 * Throws a TaskError (code `data_unreadable`, exit 1) when fewer than `minReadable` (a fraction,
 * training uses 0.99) of the examined DICOM files are readable, or when no file was found at all.
 * The message lists the first offenders with their reasons.
 */
export function checkReadable(dataset: Dataset, minReadable: number): void {
  const total = dataset.totalFiles;
  if (total === 0) throw new TaskError("data_unreadable", "no DICOM files found for the CSV's entries (check --csv and --dicom-root)");
  const readable = total - dataset.unreadable.length;
  const ratio = readable / total;
  if (ratio >= minReadable) return;
  const list = dataset.unreadable
    .slice(0, SHOWN)
    // DicomError messages already name the file and the reason.
    .map((u) => `  ${u.message || `${u.path}: ${u.reason}`}`)
    .join("\n");
  const more = dataset.unreadable.length > SHOWN ? `\n  … and ${dataset.unreadable.length - SHOWN} more` : "";
  throw new TaskError(
    "data_unreadable",
    `only ${readable}/${total} DICOM files are readable (${(100 * ratio).toFixed(2)}% < ${(100 * minReadable).toFixed(2)}% required); unreadable:\n${list}${more}`,
  );
}
