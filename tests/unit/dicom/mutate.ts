// Damaged copies of DICOM files for the fuzz tests (unit and oracle).
import { expect } from "bun:test";
import { DicomError, decodeDicom, preprocess } from "../../../lib/dicom/index.ts";
import type { Rng } from "../../../lib/rng/index.ts";

/** One random damage: a cut, flipped bytes, a 4-byte field set to an extreme, or deleted bytes. */
export function mutate(source: Uint8Array, rng: Rng): Uint8Array {
  const bytes = new Uint8Array(source); // a copy, also of a Buffer (whose slice() is a view)
  switch (rng.int(4)) {
    case 0:
      return bytes.subarray(0, rng.int(bytes.length));
    case 1:
      for (let k = 1 + rng.int(8); k > 0; k--) bytes[rng.int(bytes.length)] = rng.int(256);
      return bytes;
    case 2: {
      const at = rng.int(bytes.length - 4);
      bytes.fill([0x00, 0x7f, 0x80, 0xff][rng.int(4)]!, at, at + 4);
      return bytes;
    }
    default: {
      // Deleting bytes inside the header shifts every later element: parsers must notice.
      const at = 132 + rng.int(Math.min(400, bytes.length - 132));
      return Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + 1 + rng.int(4))]);
    }
  }
}

/** Outcome of decoding (and preprocessing) one damaged file; anything but DicomError propagates. */
export async function outcome(bytes: Uint8Array, file: string): Promise<"decoded" | "rejected"> {
  try {
    const image = await decodeDicom(bytes, file);
    expect(image.pixels.length).toBe(image.width * image.height);
    const out = preprocess(image, { imgSize: 4, window: "voi" });
    expect(out.every((v) => v >= 0 && v <= 1)).toBe(true);
    return "decoded";
  } catch (err) {
    if (err instanceof DicomError) return "rejected";
    throw new Error(`${file}: ${String(err)}`, { cause: err });
  }
}
