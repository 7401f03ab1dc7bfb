import { DicomError } from "./errors.ts";
import type { FileLayout } from "./layout.ts";

/**
 * The bytes of frame 0 of native (uncompressed) pixel data. The element must hold every frame
 * it claims: a shorter one is corrupt, and checking it here keeps any later allocation bounded
 * by the file's real size.
 */
export function nativeFrame(bytes: Uint8Array, layout: FileLayout, file: string): Uint8Array {
  const { header, pixels } = layout;
  const { frames } = header;
  const { rows, columns, bitsAllocated } = header.tags;
  if (pixels.kind !== "native") throw new DicomError(file, "corrupt_pixel_data", `encapsulated pixel data in uncompressed transfer syntax ${header.tags.transferSyntaxUid}`);
  const frameBytes = rows * columns * (bitsAllocated / 8);
  if (pixels.length < frameBytes * frames) {
    throw new DicomError(
      file,
      "corrupt_pixel_data",
      `Pixel Data holds ${pixels.length} bytes, ${rows}×${columns}×${frames} frame(s) at ${bitsAllocated} bits need ${frameBytes * frames}`,
    );
  }
  return bytes.subarray(pixels.position, pixels.position + frameBytes);
}

/**
 * The compressed bytes of frame 0 of encapsulated pixel data (PS3.5 A.4): every fragment when
 * there is one frame; else the fragments the Basic Offset Table assigns to frame 0; else one
 * fragment per frame when the counts match (always so for RLE); else, for JPEG-family data, the
 * fragments up to the first one that ends with an EOI/EOC marker.
 */
export function encapsulatedFrame(bytes: Uint8Array, layout: FileLayout, file: string): Uint8Array {
  const { header, pixels } = layout;
  const { frames } = header;
  if (pixels.kind !== "encapsulated" || pixels.fragments.length === 0) {
    throw new DicomError(file, "corrupt_pixel_data", `transfer syntax ${header.tags.transferSyntaxUid} needs encapsulated pixel data, found none`);
  }
  const fragments = pixels.fragments;
  // readLayout checked every fragment against the file's size; `bytes` must be that whole file.
  for (const f of fragments) {
    if (f.position + f.length > bytes.length) throw new DicomError(file, "truncated", `pixel data fragment at byte ${f.position} runs past the end of the file`);
  }
  let count = fragments.length;
  const table = pixels.basicOffsetTable;
  if (frames > 1) {
    const end = table.length > 1 ? table[1]! : undefined;
    if (end !== undefined) count = fragments.filter((f) => f.offset < end).length;
    else if (fragments.length === frames || header.encoding === "rle") count = 1;
    else count = fragments.findIndex((f) => endsWithEoi(bytes, f.position, f.length)) + 1;
    if (count < 1) throw new DicomError(file, "corrupt_pixel_data", "cannot find where frame 0 ends among the pixel data fragments");
  }
  const first = fragments[0]!;
  if (count === 1) return bytes.subarray(first.position, first.position + first.length);
  const parts = fragments.slice(0, count);
  const out = new Uint8Array(parts.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of parts) {
    out.set(bytes.subarray(f.position, f.position + f.length), at);
    at += f.length;
  }
  return out;
}

/** FF D9 at the end, allowing the one padding byte that keeps fragments even. */
function endsWithEoi(bytes: Uint8Array, position: number, length: number): boolean {
  for (let end = position + length; end >= position + length - 1 && end >= position + 2; end--) {
    if (bytes[end - 2] === 0xff && bytes[end - 1] === 0xd9) return true;
  }
  return false;
}
