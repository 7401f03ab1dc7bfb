import { decodeJpeg2000 } from "./codecs/jpeg2000.ts";
import { decodeJpegLossless } from "./codecs/jpeg-lossless.ts";
import { decodeJpegLs } from "./codecs/jpeg-ls.ts";
import { decodeRle } from "./codecs/rle.ts";
import { encapsulatedFrame, nativeFrame } from "./frame.ts";
import type { DicomTags, ImageHeader } from "./header.ts";
import { readLayout, type FileLayout } from "./layout.ts";
import { toModality } from "./samples.ts";
import { memorySource } from "./source.ts";

/** Stored values × slope + intercept, row-major, NOT yet inverted/windowed. */
export interface DecodedImage {
  tags: DicomTags;
  /** Columns. */
  width: number;
  /** Rows. */
  height: number;
  /** Modality values of frame 0, width × height, row-major. */
  pixels: Float32Array;
}

/**
 * Decodes frame 0 of a Part-10 file to modality values. Every failure (truncated, not DICOM,
 * no pixel data, unsupported transfer syntax, damaged or oversized pixel data) is a DicomError
 * naming `file` and the reason; nothing else is thrown for bad input. What follows the pixel
 * data element is not read (see `readLayout`).
 */
export async function decodeDicom(bytes: Uint8Array, file: string): Promise<DecodedImage> {
  const layout = readLayout(memorySource(bytes), file);
  const { header } = layout;
  const pixels = await decodePixels(bytes, layout, file);
  return { tags: header.tags, width: header.tags.columns, height: header.tags.rows, pixels };
}

function decodePixels(bytes: Uint8Array, layout: FileLayout, file: string): Float32Array | Promise<Float32Array> {
  const { header } = layout;
  if (header.encoding === "native") return toModality(nativeWords(nativeFrame(bytes, layout, file), header), header, header.highBit);
  const frame = encapsulatedFrame(bytes, layout, file);
  switch (header.encoding) {
    case "rle":
      return decodeRle(frame, header, file);
    case "jpeg-lossless":
      return decodeJpegLossless(frame, header, file);
    case "jpeg-ls":
      return decodeJpegLs(frame, header, file);
    case "jpeg2000":
      return decodeJpeg2000(frame, header, file);
  }
}

/** Native words in host (little-endian) order; copied only when the bytes are misaligned. */
function nativeWords(frame: Uint8Array, header: ImageHeader): Uint8Array | Uint16Array {
  if (header.tags.bitsAllocated === 8) return frame;
  // new Uint8Array(view) copies; Buffer#slice (files read with fs) would not.
  const aligned = frame.byteOffset % 2 === 0 ? frame : new Uint8Array(frame);
  return new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.length / 2);
}
