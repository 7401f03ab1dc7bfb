import { DicomError } from "../errors.ts";
import type { ImageHeader } from "../header.ts";
import { toModality } from "../samples.ts";

/**
 * DICOM RLE (PS3.5 Annex G): a 64-byte header (segment count, then 15 segment offsets), then one
 * PackBits segment per byte plane, most significant plane first. Planes are interleaved back
 * into little-endian words so the result reads like native pixel data.
 */
export function decodeRle(frame: Uint8Array, header: ImageHeader, file: string): Float32Array {
  const { rows, columns, bitsAllocated } = header.tags;
  const corrupt = (detail: string) => new DicomError(file, "corrupt_pixel_data", `RLE: ${detail}`);
  const pixels = rows * columns;
  const planes = bitsAllocated / 8;
  if (frame.length < 64) throw corrupt(`frame of ${frame.length} bytes is shorter than the 64-byte RLE header`);
  const view = new DataView(frame.buffer, frame.byteOffset, 64);
  const segments = view.getUint32(0, true);
  if (segments !== planes) throw corrupt(`${segments} segments, expected ${planes} for ${bitsAllocated}-bit grayscale`);
  const words = new Uint8Array(pixels * planes);
  for (let s = 0; s < segments; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < segments ? view.getUint32(8 + 4 * s, true) : frame.length;
    if (start < 64 || end > frame.length || start > end) throw corrupt(`segment ${s} spans bytes ${start}–${end} of a ${frame.length}-byte frame`);
    // Segment 0 is the most significant byte: the last byte of a little-endian word.
    const written = unpackBits(frame, start, end, words, planes - 1 - s, planes, pixels);
    // One byte per pixel, or one more (a pad to even length): a segment decoding to more holds
    // runs that are not this image's (overwritten data), and is refused like a short one.
    if (written !== pixels && written !== pixels + 1) throw corrupt(`segment ${s} decodes to ${written} bytes, expected ${pixels}`);
  }
  const raw = planes === 1 ? words : new Uint16Array(words.buffer, 0, pixels);
  return toModality(raw, header, header.highBit);
}

/**
 * PackBits: a header byte n then n+1 literal bytes (n 0..127), or one byte repeated 1−n times
 * (n −127..−1); −128 is a no-op. Writes the first `count` bytes at dst[offset + k·stride] and
 * decodes the whole segment; returns how many bytes it decodes to (a literal run cut by the
 * segment's end counts what is there).
 */
function unpackBits(src: Uint8Array, start: number, end: number, dst: Uint8Array, offset: number, stride: number, count: number): number {
  let at = start;
  let k = 0;
  while (at < end) {
    const n = src[at++]!;
    if (n < 128) {
      const available = Math.min(n + 1, end - at);
      const run = Math.min(available, Math.max(0, count - k));
      for (let j = 0; j < run; j++) dst[offset + (k + j) * stride] = src[at + j]!;
      at += n + 1;
      k += available;
    } else if (n > 128) {
      if (at >= end) break;
      const value = src[at++]!;
      const run = Math.min(257 - n, Math.max(0, count - k));
      for (let j = 0; j < run; j++) dst[offset + (k + j) * stride] = value;
      k += 257 - n;
    }
  }
  return k;
}
