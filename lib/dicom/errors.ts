import { TaskError } from "../errors/index.ts";

/** Why a DICOM file could not be turned into pixels. */
export type DicomFailure =
  | "truncated"
  | "not_dicom"
  | "no_pixel_data"
  | "unsupported_transfer_syntax"
  | "corrupt_pixel_data"
  | "too_large";

/**
 * A DICOM file that cannot be read: code "dicom_unreadable", exit code 1. `reason` is the
 * machine-readable cause (audits count by it); the message names the file and the bad value.
 */
export class DicomError extends TaskError {
  readonly file: string;
  readonly reason: DicomFailure;
  /** What is wrong, without the file name (the same bytes give the same detail under any name). */
  readonly detail: string;
  constructor(file: string, reason: DicomFailure, detail: string, options: { cause?: unknown } = {}) {
    super("dicom_unreadable", unreadableMessage(file, reason, detail), { exitCode: 1, ...options });
    this.name = "DicomError";
    this.file = file;
    this.reason = reason;
    this.detail = detail;
  }
}

/** The one wording of "this file cannot be read": the file, the reason code, the detail. */
export function unreadableMessage(file: string, reason: string, detail: string): string {
  return `unreadable DICOM ${file} (${reason}): ${detail}`;
}
