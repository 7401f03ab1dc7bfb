import { DicomError } from "./errors.ts";
import { NeedMoreBytes, parseImageHeader, type ImageHeader } from "./header.ts";
import type { ByteSource } from "./source.ts";

/** One item of encapsulated pixel data (PS3.5 A.4). */
export interface Fragment {
  /** Offset of its item tag from the first item after the Basic Offset Table (what the table counts in). */
  offset: number;
  /** Absolute position of its first data byte in the file. */
  position: number;
  length: number;
}

/** Where the pixel data lie: one native run of bytes, or encapsulated fragments. */
export type PixelLayout =
  | { kind: "native"; position: number; length: number }
  | { kind: "encapsulated"; basicOffsetTable: number[]; fragments: Fragment[] };

/** A file's header and the extent of its pixel data, every length checked against the file's size. */
export interface FileLayout {
  header: ImageHeader;
  pixels: PixelLayout;
}

/** First read of the header; it grows (×4, or to what a declared length needs) until the Pixel Data element is reached. */
const FIRST_READ = 64 * 1024;
/** A header larger than this is not read: no mammogram's attributes come near it. */
export const MAX_HEADER_BYTES = 256 * 1024 * 1024;

const ITEM = 0xfffee000;
const SEQUENCE_DELIMITER = 0xfffee0dd;

const hexTag = (tag: number) => `(${(tag >>> 16).toString(16).padStart(4, "0").toUpperCase()},${(tag & 0xffff).toString(16).padStart(4, "0").toUpperCase()})`;

/**
 * Reads what decoding frame 0 needs to know, and nothing else: the header up to the Pixel Data
 * element (from a first 64 KiB, read further only as far as the header goes), then the item
 * headers of encapsulated pixel data (8 bytes each, the fragments between them skipped). Every
 * declared length is compared with the file's size, so a cut, a zero-filled tail, a damaged item
 * header or a fragment length like 0x7FFFFFF0 is refused after reading a few kilobytes, whatever
 * the file's size. Bytes after the pixel data are never read. Throws DicomError.
 */
export function readLayout(source: ByteSource, file: string): FileLayout {
  let want = Math.min(source.size, FIRST_READ);
  let header: ImageHeader;
  for (;;) {
    try {
      header = parseImageHeader(source.read(0, want), file, source.size);
      break;
    } catch (err) {
      if (!(err instanceof NeedMoreBytes)) throw err;
      if (want >= MAX_HEADER_BYTES) throw new DicomError(file, "too_large", `no Pixel Data element within the first ${MAX_HEADER_BYTES} bytes of the header`);
      want = Math.min(source.size, MAX_HEADER_BYTES, Math.max(err.atLeast, want * 2));
    }
  }
  const element = header.pixelData;
  if (header.encoding === "native") {
    if (element.hadUndefinedLength === true) {
      throw new DicomError(file, "corrupt_pixel_data", `encapsulated pixel data in uncompressed transfer syntax ${header.tags.transferSyntaxUid}`);
    }
    checkTail(source, element.dataOffset + element.length, file);
    return { header, pixels: { kind: "native", position: element.dataOffset, length: element.length } };
  }
  if (element.hadUndefinedLength !== true) {
    throw new DicomError(file, "corrupt_pixel_data", `transfer syntax ${header.tags.transferSyntaxUid} needs encapsulated pixel data, found none`);
  }
  const { end, ...pixels } = walkItems(source, element.dataOffset, file);
  checkTail(source, end, file);
  return { header, pixels };
}

/**
 * What follows the pixel data is not needed to decode, and is not read, except its first 8
 * bytes: zeros there (no element has tag (0000,0000)) are the unwritten rest of a preallocated
 * copy, whose pixel data, though well formed, were never written either.
 */
function checkTail(source: ByteSource, end: number, file: string): void {
  if (source.size - end < 8 || !source.read(end, 8).every((b) => b === 0)) return;
  throw new DicomError(file, "truncated", `zero bytes after the pixel data (from byte ${end} of ${source.size}): the file was preallocated and never completely written`);
}

/** The item headers of encapsulated pixel data starting at `start`: the Basic Offset Table, the fragments, the delimiter. */
function walkItems(source: ByteSource, start: number, file: string): PixelLayout & { kind: "encapsulated"; end: number } {
  const size = source.size;
  const truncated = (detail: string) => new DicomError(file, "truncated", detail);
  const corrupt = (detail: string) => new DicomError(file, "corrupt_pixel_data", detail);
  const readItem = (at: number) => {
    if (at + 8 > size) throw truncated(`the encapsulated pixel data end without a sequence delimiter (the file ends at byte ${size}, inside the item header at byte ${at})`);
    const b = source.read(at, 8);
    const view = new DataView(b.buffer, b.byteOffset, 8);
    return { tag: ((view.getUint16(0, true) << 16) | view.getUint16(2, true)) >>> 0, length: view.getUint32(4, true) };
  };
  const unwritten = (at: number) => truncated(`zero bytes at byte ${at} where an item header of the encapsulated pixel data should be: the rest of the file was never written`);
  const bot = readItem(start);
  if (bot.tag === 0 && bot.length === 0) throw unwritten(start);
  if (bot.tag !== ITEM) throw corrupt(`the encapsulated pixel data start with tag ${hexTag(bot.tag)} at byte ${start}, not the Basic Offset Table item (FFFE,E000)`);
  if (start + 8 + bot.length > size) throw truncated(`the Basic Offset Table at byte ${start} declares ${bot.length} bytes, past the end of the ${size}-byte file`);
  if (bot.length % 4 !== 0) throw corrupt(`the Basic Offset Table at byte ${start} is ${bot.length} bytes long, not a multiple of 4`);
  const table = source.read(start + 8, bot.length);
  const tableView = new DataView(table.buffer, table.byteOffset, table.length);
  const basicOffsetTable = Array.from({ length: bot.length / 4 }, (_, i) => tableView.getUint32(4 * i, true));
  const base = start + 8 + bot.length;
  const fragments: Fragment[] = [];
  for (let at = base; ; ) {
    const item = readItem(at);
    if (item.tag === SEQUENCE_DELIMITER) return { kind: "encapsulated", basicOffsetTable, fragments, end: at + 8 };
    if (item.tag === 0 && item.length === 0) throw unwritten(at);
    if (item.tag !== ITEM) {
      throw corrupt(`tag ${hexTag(item.tag)} at byte ${at} where fragment ${fragments.length + 1}'s item header (FFFE,E000) or the sequence delimiter should be (a damaged fragment header)`);
    }
    if (at + 8 + item.length > size) {
      throw truncated(`fragment ${fragments.length + 1} at byte ${at} declares ${item.length} bytes, ${at + 8 + item.length - size} past the end of the ${size}-byte file`);
    }
    fragments.push({ offset: at - base, position: at + 8, length: item.length });
    at += 8 + item.length;
  }
}
