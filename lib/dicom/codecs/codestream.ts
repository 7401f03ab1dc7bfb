import { DicomError } from "../errors.ts";
import type { ImageHeader } from "../header.ts";

/** Image size declared by a codestream header. */
interface DeclaredSize {
  width: number;
  height: number;
  components: number;
}

/**
 * Checks the size a JPEG / JPEG-LS / JPEG 2000 codestream declares against Rows and Columns
 * before the codec runs: a damaged header could otherwise make the codec allocate gigabytes.
 * Returns the offset where the codestream starts (JPEG 2000 data may sit inside a JP2 box).
 */
export function checkCodestream(frame: Uint8Array, header: ImageHeader, file: string, kind: "jpeg" | "jpeg2000"): number {
  const found = kind === "jpeg" ? jpegSize(frame) : j2kSize(frame);
  const name = kind === "jpeg" ? "JPEG" : "JPEG 2000";
  if (found === null) throw new DicomError(file, "corrupt_pixel_data", `no ${name} frame header in the pixel data`);
  const { rows, columns } = header.tags;
  const { width, height, components } = found.size;
  if (width !== columns || height !== rows || components !== 1) {
    throw new DicomError(
      file,
      "corrupt_pixel_data",
      `${name} codestream is ${width}×${height}×${components} but Columns×Rows is ${columns}×${rows}×1`,
    );
  }
  return found.offset;
}

/** Start-of-frame markers: SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC); SOF55 is JPEG-LS. */
function isStartOfFrame(marker: number): boolean {
  return (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) || marker === 0xf7;
}

function jpegSize(b: Uint8Array): { size: DeclaredSize; offset: number } | null {
  if (b[0] !== 0xff || b[1] !== 0xd8) return null;
  let at = 2;
  while (at + 4 <= b.length) {
    if (b[at] !== 0xff) return null;
    const marker = b[at + 1]!;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2; // markers without a length
      continue;
    }
    const length = (b[at + 2]! << 8) | b[at + 3]!;
    if (isStartOfFrame(marker)) {
      if (at + 10 > b.length) return null;
      const height = (b[at + 5]! << 8) | b[at + 6]!;
      const width = (b[at + 7]! << 8) | b[at + 8]!;
      return { size: { width, height, components: b[at + 9]! }, offset: 0 };
    }
    if (marker === 0xda || marker === 0xd9 || length < 2) return null; // scan or end before a frame header
    at += 2 + length;
  }
  return null;
}

/** SIZ segment (PS 15444-1 A.5.1) right after SOC; searched for so a JP2 wrapper is skipped. */
function j2kSize(b: Uint8Array): { size: DeclaredSize; offset: number } | null {
  const limit = Math.min(b.length - 42, 4096);
  for (let at = 0; at <= limit; at++) {
    if (b[at] === 0xff && b[at + 1] === 0x4f && b[at + 2] === 0xff && b[at + 3] === 0x51) {
      const view = new DataView(b.buffer, b.byteOffset + at, 42);
      const width = view.getUint32(8) - view.getUint32(16);
      const height = view.getUint32(12) - view.getUint32(20);
      return { size: { width, height, components: view.getUint16(40) }, offset: at };
    }
  }
  return null;
}
