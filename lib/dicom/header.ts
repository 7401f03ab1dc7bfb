import { parseDicom, readPart10Header } from "dicom-parser";
import type { DataSet, Element } from "dicom-parser";
import { DicomError } from "./errors.ts";
import { describeTransferSyntax, pixelEncoding } from "./transfer-syntax.ts";
import type { PixelEncoding } from "./transfer-syntax.ts";

/** Header tags the rest of the project needs (null when absent). */
export interface DicomTags {
  patientId: string | null;
  accessionNumber: string | null;
  studyInstanceUid: string | null;
  viewPosition: string | null;
  /** ImageLaterality (0020,0062), else the series Laterality (0020,0060). */
  imageLaterality: string | null;
  manufacturer: string | null;
  /** "MONOCHROME1" or "MONOCHROME2" (the only ones decoded); MONOCHROME2 when the tag is absent. */
  photometricInterpretation: string;
  transferSyntaxUid: string;
  rows: number;
  columns: number;
  bitsAllocated: number;
  /** Defaults to bitsAllocated when absent. */
  bitsStored: number;
  pixelRepresentation: 0 | 1;
  /** Modality rescale; slope 1 when absent or zero, intercept 0 when absent. */
  rescaleSlope: number;
  rescaleIntercept: number;
  /** First value of WindowCenter / WindowWidth (modality units). */
  windowCenter: number | null;
  windowWidth: number | null;
}

/** Everything the pixel decoder needs besides the public tags. */
export interface ImageHeader {
  tags: DicomTags;
  encoding: PixelEncoding;
  /** High bit (0028,0102); bitsStored − 1 when absent. */
  highBit: number;
  /** NumberOfFrames; only frame 0 is decoded. */
  frames: number;
  dataSet: DataSet;
  /** The Pixel Data element's header only: its items (encapsulated data) are walked by `readLayout`. */
  pixelData: Element;
}

/** Largest Rows × Columns decoded: far above any mammogram, far below what exhausts memory. */
const MAX_PIXELS = 100_000_000;

const PIXEL_DATA = "x7fe00010";

/**
 * `head` (the first bytes of a longer file) ends before the header does: read at least
 * `atLeast` bytes and parse again. Only `parseImageHeader` throws it, only when
 * `head.length < fileSize`; `readLayout` catches it.
 */
export class NeedMoreBytes extends Error {
  readonly atLeast: number;
  constructor(atLeast: number) {
    super(`header continues past the bytes read (need ${atLeast})`);
    this.atLeast = atLeast;
  }
}

/**
 * Reads the header of a Part-10 file and checks everything that can be known before touching
 * the pixels (transfer syntax, image size, sample layout), so a file that passes decodes unless
 * its pixel data are damaged. Throws DicomError.
 */
export function readDicomTags(bytes: Uint8Array, file: string): DicomTags {
  return parseImageHeader(bytes, file).tags;
}

/**
 * Parses the header up to and including the Pixel Data element's own header (never the pixel
 * data). `head` is the file's first bytes and `fileSize` its whole length: declared lengths are
 * checked against the file, and when the header runs past `head` (and the file goes on) a
 * `NeedMoreBytes` is thrown instead of a verdict. Throws DicomError.
 */
export function parseImageHeader(head: Uint8Array, file: string, fileSize = head.length): ImageHeader {
  const partial = head.length < fileSize;
  checkPreamble(head, file, fileSize);
  const transferSyntaxUid = readTransferSyntax(head, file, fileSize);
  const encoding = pixelEncoding(transferSyntaxUid);
  if (encoding === null) {
    throw new DicomError(file, "unsupported_transfer_syntax", `transfer syntax ${describeTransferSyntax(transferSyntaxUid)} is not decoded`);
  }
  let dataSet: DataSet;
  try {
    dataSet = parseDicom(head, { untilTag: PIXEL_DATA });
  } catch (err) {
    throw parserFailure(err, file, head.length, fileSize);
  }
  const zeros = zeroFilled(dataSet, file);
  if (zeros) throw zeros;
  const pixels = dataSet.elements[PIXEL_DATA];
  // The implicit-VR reader stops silently when an element's length runs off the end.
  const beyond = pastEnd(dataSet, file, head.length, fileSize);
  if (beyond) throw beyond;
  if (pixels === undefined && partial) throw new NeedMoreBytes(head.length * 4);
  // A native Pixel Data element whose declared length runs past the end of the file: a download
  // cut inside the pixels (the usual broken file), knowable without decoding.
  if (pixels && pixels.hadUndefinedLength !== true && pixels.dataOffset + pixels.length > fileSize) {
    throw new DicomError(file, "truncated", `Pixel Data declares ${pixels.length} bytes but the file ends ${pixels.dataOffset + pixels.length - fileSize} bytes short`);
  }
  return checkImage(dataSet, file, transferSyntaxUid, encoding);
}

function checkPreamble(bytes: Uint8Array, file: string, fileSize: number): void {
  const magic = String.fromCharCode(...bytes.subarray(128, 132));
  if (bytes.length >= 132) {
    if (magic !== "DICM") throw new DicomError(file, "not_dicom", `no "DICM" prefix at byte 128 (found ${JSON.stringify(magic)})`);
    if (bytes.length >= 140 && bytes.subarray(132, 140).every((b) => b === 0)) {
      throw new DicomError(file, "truncated", `zero bytes after the "DICM" prefix where the file meta header should start (${fileSize} bytes, only the first 132 written?)`);
    }
    return;
  }
  // A short file of zeros (then the start of "DICM") is a cut-off download, not a text file.
  if (bytes.subarray(0, 128).every((b) => b === 0) && "DICM".startsWith(magic)) {
    throw new DicomError(file, "truncated", `only ${bytes.length} bytes, shorter than the 132-byte preamble and prefix`);
  }
  throw new DicomError(file, "not_dicom", `only ${bytes.length} bytes and no DICOM preamble`);
}

function readTransferSyntax(bytes: Uint8Array, file: string, fileSize: number): string {
  const partial = bytes.length < fileSize;
  let meta: DataSet;
  try {
    meta = readPart10Header(bytes);
  } catch (err) {
    if (partial) throw new NeedMoreBytes(bytes.length * 4);
    throw parserFailure(err, file, bytes.length, fileSize);
  }
  // The meta reader skips over a cut-off last element without complaint: compare the extent
  // of what it read, and what the group length promises, with the file.
  const cut = (needed: number) => {
    if (partial && needed <= fileSize) return new NeedMoreBytes(needed);
    return new DicomError(file, "truncated", `the file ends inside the file meta header (${fileSize} of ${needed} bytes)`);
  };
  const extent = Math.max(...Object.values(meta.elements).map((el) => el.dataOffset + el.length));
  if (extent > bytes.length) throw cut(extent);
  const groupLength = meta.elements.x00020000;
  if (groupLength !== undefined && groupLength.length === 4) {
    const promised = groupLength.dataOffset + 4 + (meta.uint32("x00020000") ?? 0);
    if (promised > bytes.length) throw cut(promised);
  }
  const uid = meta.elements.x00020010 === undefined ? undefined : meta.string("x00020010");
  if (uid === undefined || uid === "") throw new DicomError(file, "not_dicom", "no Transfer Syntax UID (0002,0010) in the file meta header");
  return uid;
}

/**
 * dicom-parser throws strings, Errors, or `{exception, dataSet}` wrappers; name the cause. When
 * only the first `headLength` bytes of a longer file were parsed, running off their end means
 * "read more" — unless the element being read declares a length past the end of the whole file,
 * which no amount of reading cures (a random or damaged length is refused at once).
 */
function parserFailure(err: unknown, file: string, headLength: number, fileSize: number): DicomError | NeedMoreBytes {
  const inner = typeof err === "object" && err !== null && "exception" in err ? (err as { exception: unknown }).exception : err;
  const message = inner instanceof Error ? inner.message : String(inner);
  const offEnd = /past end|overread|overrun|cannot be greater than or equal|eof/i.test(message);
  if (offEnd) {
    const partial = typeof err === "object" && err !== null && "dataSet" in err ? (err as { dataSet?: DataSet }).dataSet : undefined;
    const beyond = partial ? (zeroFilled(partial, file) ?? pastEnd(partial, file, headLength, fileSize)) : null;
    if (beyond) return beyond;
    if (headLength < fileSize) return new NeedMoreBytes(headLength * 4);
    return new DicomError(file, "truncated", `the file ends inside a data element (${message})`, { cause: err });
  }
  return new DicomError(file, "not_dicom", `malformed data set (${message})`, { cause: err });
}

/**
 * Group 0000 never appears in a stored data set: zeros where elements should be are a file whose
 * end was never written (an interrupted, preallocated copy). Refused at the first such element,
 * before walking what may be gigabytes of them.
 */
function zeroFilled(dataSet: DataSet, file: string): DicomError | null {
  const elements = Object.values(dataSet.elements);
  const at = elements.findIndex((el) => el.tag.startsWith("x0000"));
  if (at < 0) return null;
  // Every zero element lands on one key, which holds the last of them: the first starts where the element before ends.
  const before = elements[at - 1];
  const where = before && before.hadUndefinedLength !== true ? `at byte ${before.dataOffset + before.length}` : `after the file meta header`;
  return new DicomError(file, "truncated", `zero bytes where a data element should start (${where}): the rest of the file was never written`);
}

/**
 * The last element read, when its declared length runs past the bytes parsed: past the end of the
 * file it is a verdict (truncated, or a damaged length), inside the file a request to read on.
 */
function pastEnd(dataSet: DataSet, file: string, headLength: number, fileSize: number): DicomError | NeedMoreBytes | null {
  const last = Object.values(dataSet.elements).at(-1);
  if (!last || last.hadUndefinedLength === true || last.tag === PIXEL_DATA) return null;
  const end = last.dataOffset + last.length;
  if (end > fileSize) {
    return new DicomError(file, "truncated", `element (${last.tag.slice(1, 5)},${last.tag.slice(5)}) at byte ${last.dataOffset} declares ${last.length} bytes, past the end of the ${fileSize}-byte file`);
  }
  return end > headLength ? new NeedMoreBytes(Math.max(headLength * 4, end + 4096)) : null;
}

function checkImage(ds: DataSet, file: string, transferSyntaxUid: string, encoding: PixelEncoding): ImageHeader {
  const pixelData = ds.elements[PIXEL_DATA];
  if (pixelData === undefined) throw new DicomError(file, "no_pixel_data", "no Pixel Data element (7FE0,0010)");
  const corrupt = (detail: string) => new DicomError(file, "corrupt_pixel_data", detail);
  const rows = uint16(ds, "x00280010");
  const columns = uint16(ds, "x00280011");
  if (rows === null || columns === null) throw corrupt("Pixel Data present but Rows (0028,0010) or Columns (0028,0011) missing");
  if (rows === 0 || columns === 0) throw corrupt(`empty image: Rows ${rows}, Columns ${columns}`);
  if (rows * columns > MAX_PIXELS) {
    throw new DicomError(file, "too_large", `Rows ${rows} × Columns ${columns} exceeds ${MAX_PIXELS} pixels`);
  }
  const samplesPerPixel = uint16(ds, "x00280002") ?? 1;
  if (samplesPerPixel !== 1) throw corrupt(`SamplesPerPixel ${samplesPerPixel}: only single-sample (grayscale) images are decoded`);
  const photometricInterpretation = text(ds, "x00280004") ?? "MONOCHROME2";
  if (photometricInterpretation !== "MONOCHROME1" && photometricInterpretation !== "MONOCHROME2") {
    throw corrupt(`PhotometricInterpretation ${photometricInterpretation}: only MONOCHROME1/MONOCHROME2 are decoded`);
  }
  const bitsAllocated = uint16(ds, "x00280100");
  if (bitsAllocated !== 8 && bitsAllocated !== 16) throw corrupt(`BitsAllocated ${bitsAllocated ?? "missing"} (expected 8 or 16)`);
  const bitsStored = uint16(ds, "x00280101") ?? bitsAllocated;
  const highBit = uint16(ds, "x00280102") ?? bitsStored - 1;
  if (bitsStored < 1 || bitsStored > bitsAllocated || highBit < bitsStored - 1 || highBit >= bitsAllocated) {
    throw corrupt(`BitsStored ${bitsStored} / HighBit ${highBit} do not fit BitsAllocated ${bitsAllocated}`);
  }
  const pixelRepresentation = uint16(ds, "x00280103") ?? 0;
  if (pixelRepresentation !== 0 && pixelRepresentation !== 1) throw corrupt(`PixelRepresentation ${pixelRepresentation} (expected 0 or 1)`);
  const frames = decimal(ds, "x00280008") ?? 1;
  if (!Number.isInteger(frames) || frames < 1) throw corrupt(`NumberOfFrames ${frames}`);
  const slope = decimal(ds, "x00281053");
  const tags: DicomTags = {
    patientId: text(ds, "x00100020"),
    accessionNumber: text(ds, "x00080050"),
    studyInstanceUid: text(ds, "x0020000d"),
    viewPosition: text(ds, "x00185101"),
    imageLaterality: text(ds, "x00200062") ?? text(ds, "x00200060"),
    manufacturer: text(ds, "x00080070"),
    photometricInterpretation,
    transferSyntaxUid,
    rows,
    columns,
    bitsAllocated,
    bitsStored,
    pixelRepresentation,
    rescaleSlope: slope === null || slope === 0 ? 1 : slope,
    rescaleIntercept: decimal(ds, "x00281052") ?? 0,
    windowCenter: decimal(ds, "x00281050"),
    windowWidth: decimal(ds, "x00281051"),
  };
  return { tags, encoding, highBit, frames, dataSet: ds, pixelData };
}

function text(ds: DataSet, tag: string): string | null {
  const element = ds.elements[tag];
  if (element === undefined || element.length === 0) return null;
  const value = ds.string(tag);
  return value === undefined || value === "" ? null : value;
}

function uint16(ds: DataSet, tag: string): number | null {
  const element = ds.elements[tag];
  if (element === undefined || element.length < 2) return null;
  return ds.uint16(tag) ?? null;
}

/** First value of a DS/IS element; floatString throws on a missing value index, so count first. */
function decimal(ds: DataSet, tag: string): number | null {
  const element = ds.elements[tag];
  if (element === undefined || element.length === 0 || (ds.numStringValues(tag) ?? 0) < 1) return null;
  const value = ds.floatString(tag, 0);
  return value === undefined || !Number.isFinite(value) ? null : value;
}
