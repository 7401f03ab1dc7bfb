import { TaskError } from "../../errors/index.ts";

/** How the pixel data are stored: the five transfer syntaxes the writer produces. */
export type DicomEncoding = "explicit-le" | "implicit-le" | "rle" | "jpeg-ls" | "jpeg2000";

/** Every encoding, in a fixed order (CLI choices, round-robin assignment). */
export const DICOM_ENCODINGS: readonly DicomEncoding[] = ["explicit-le", "implicit-le", "rle", "jpeg-ls", "jpeg2000"];

/** Transfer syntax UID of each encoding (the compressed ones are lossless). */
export const TRANSFER_SYNTAX_UID: Readonly<Record<DicomEncoding, string>> = {
  "explicit-le": "1.2.840.10008.1.2.1",
  "implicit-le": "1.2.840.10008.1.2",
  rle: "1.2.840.10008.1.2.5",
  "jpeg-ls": "1.2.840.10008.1.2.4.80",
  jpeg2000: "1.2.840.10008.1.2.4.90",
};

/** Digital Mammography X-Ray Image Storage – For Presentation. */
export const MG_FOR_PRESENTATION_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.1.2";

/** Header attributes of one image. Strings are plain ASCII without backslashes. */
export interface DicomWriteTags {
  patientId: string;
  /** Kept as given, leading zeros included (SH, at most 16 characters). */
  accessionNumber: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  /** "CC", "MLO", "ML", "LM", "XCCL", … */
  viewPosition: string;
  /** "L" or "R". */
  imageLaterality: string;
  manufacturer: string;
  /** PatientName (PN); default empty. */
  patientName?: string;
  /** StudyDate / ContentDate, YYYYMMDD; default empty. */
  studyDate?: string;
  /** StudyTime / ContentTime, HHMMSS; default empty. */
  studyTime?: string;
  /** StudyID (SH); default empty. */
  studyId?: string;
  /** SeriesNumber; default 1. */
  seriesNumber?: number;
  /** InstanceNumber; default 1. */
  instanceNumber?: number;
  /** PatientOrientation, e.g. "A\\R" for a left CC; default derived from laterality and view. */
  patientOrientation?: string;
  /** ImagerPixelSpacing in mm (row spacing = column spacing); default 0.1. */
  pixelSpacingMm?: number;
}

/** One image to write as a complete DICOM Part-10 file. */
export interface DicomWriteSpec {
  /** Columns, 1–65535. */
  width: number;
  /** Rows, 1–65535. */
  height: number;
  /** Significant bits per pixel; BitsAllocated is 8 for 8 and 16 otherwise. */
  bitsStored: 8 | 12 | 14 | 16;
  /** 0 = unsigned, 1 = two's complement. */
  pixelRepresentation: 0 | 1;
  photometric: "MONOCHROME1" | "MONOCHROME2";
  /** Stored values, row-major, width × height, each within the range of bitsStored and pixelRepresentation. */
  pixels: Uint16Array | Int16Array | Uint8Array;
  /** Default 1. */
  rescaleSlope?: number;
  /** Default 0. */
  rescaleIntercept?: number;
  /** VOI window in rescaled units; written only when both centre and width are given. */
  windowCenter?: number;
  windowWidth?: number;
  tags: DicomWriteTags;
  encoding: DicomEncoding;
}

/** Range of a stored value: [min, max]. */
export function storedRange(bitsStored: number, pixelRepresentation: 0 | 1): [number, number] {
  return pixelRepresentation === 1 ? [-(2 ** (bitsStored - 1)), 2 ** (bitsStored - 1) - 1] : [0, 2 ** bitsStored - 1];
}

function invalid(field: string, value: unknown, expected: string): TaskError {
  const shown = typeof value === "string" ? JSON.stringify(value) : String(value);
  return new TaskError("dicom_write_invalid", `encodeDicom: invalid ${field}: ${shown} (expected ${expected})`);
}

/** Checks a spec before anything is encoded; every failure names the field and shows the value. */
export function validateSpec(spec: DicomWriteSpec): void {
  for (const key of ["width", "height"] as const) {
    const v = spec[key];
    if (!Number.isInteger(v) || v < 1 || v > 65535) throw invalid(key, v, "an integer 1–65535");
  }
  if (![8, 12, 14, 16].includes(spec.bitsStored)) throw invalid("bitsStored", spec.bitsStored, "8, 12, 14 or 16");
  if (spec.pixelRepresentation !== 0 && spec.pixelRepresentation !== 1) throw invalid("pixelRepresentation", spec.pixelRepresentation, "0 or 1");
  if (spec.photometric !== "MONOCHROME1" && spec.photometric !== "MONOCHROME2") throw invalid("photometric", spec.photometric, "MONOCHROME1 or MONOCHROME2");
  if (!(spec.encoding in TRANSFER_SYNTAX_UID)) throw invalid("encoding", spec.encoding, Object.keys(TRANSFER_SYNTAX_UID).join(", "));
  // openjpeg's wasm wrapper copies 8-bit samples as unsigned bytes, so signed 8-bit data would come back wrong.
  if (spec.encoding === "jpeg2000" && spec.bitsStored === 8 && spec.pixelRepresentation === 1) {
    throw invalid("pixelRepresentation", 1, "0 for 8-bit JPEG 2000 (the codec cannot encode signed 8-bit samples)");
  }
  const n = spec.width * spec.height;
  if (spec.pixels.length !== n) throw invalid("pixels.length", spec.pixels.length, `width × height = ${n}`);
  const [lo, hi] = storedRange(spec.bitsStored, spec.pixelRepresentation);
  const px = spec.pixels;
  for (let i = 0; i < n; i++) {
    const v = px[i] as number;
    if (v < lo || v > hi) throw invalid(`pixels[${i}]`, v, `${lo}–${hi} for ${spec.bitsStored}-bit ${spec.pixelRepresentation ? "signed" : "unsigned"}`);
  }
  for (const key of ["rescaleSlope", "rescaleIntercept", "windowCenter", "windowWidth"] as const) {
    const v = spec[key];
    if (v !== undefined && !Number.isFinite(v)) throw invalid(key, v, "a finite number");
  }
  if (spec.rescaleSlope === 0) throw invalid("rescaleSlope", 0, "a non-zero number");
  if (spec.windowWidth !== undefined && spec.windowWidth < 1) throw invalid("windowWidth", spec.windowWidth, "≥ 1");
  validateTags(spec.tags);
}

const UID = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/;

function validateTags(tags: DicomWriteTags): void {
  const text: [keyof DicomWriteTags, number][] = [
    ["patientId", 64],
    ["accessionNumber", 16],
    ["viewPosition", 16],
    ["imageLaterality", 16],
    ["manufacturer", 64],
    ["patientName", 64],
    ["studyId", 16],
  ];
  for (const [key, max] of text) {
    const v = tags[key];
    if (v === undefined) continue;
    if (typeof v !== "string" || v.length > max || !/^[\x20-\x5b\x5d-\x7e]*$/.test(v)) {
      throw invalid(`tags.${key}`, v, `printable ASCII without backslash, at most ${max} characters`);
    }
  }
  for (const key of ["studyInstanceUid", "seriesInstanceUid", "sopInstanceUid"] as const) {
    const v = tags[key];
    if (v.length > 64 || !UID.test(v)) throw invalid(`tags.${key}`, v, "a UID: digits and dots, no leading zeros, at most 64 characters");
  }
  if (tags.studyDate !== undefined && !/^(\d{8})?$/.test(tags.studyDate)) throw invalid("tags.studyDate", tags.studyDate, "YYYYMMDD");
  if (tags.studyTime !== undefined && !/^(\d{6})?$/.test(tags.studyTime)) throw invalid("tags.studyTime", tags.studyTime, "HHMMSS");
  for (const key of ["seriesNumber", "instanceNumber"] as const) {
    const v = tags[key];
    if (v !== undefined && (!Number.isInteger(v) || Math.abs(v) > 2 ** 31 - 1)) throw invalid(`tags.${key}`, v, "a 32-bit integer");
  }
  if (tags.pixelSpacingMm !== undefined && !(tags.pixelSpacingMm > 0)) throw invalid("tags.pixelSpacingMm", tags.pixelSpacingMm, "> 0");
  if (tags.patientOrientation !== undefined && !/^[APLRHF]*\\[APLRHF]*$/.test(tags.patientOrientation)) {
    throw invalid("tags.patientOrientation", tags.patientOrientation, 'two values such as "A\\R"');
  }
}
