import { Decoder } from "jpeg-lossless-decoder-js";
import { errorMessage } from "../../errors/index.ts";
import { DicomError } from "../errors.ts";
import type { ImageHeader } from "../header.ts";
import { toModality } from "../samples.ts";
import { checkCodestream } from "./codestream.ts";

/** JPEG lossless, process 14 (1.2.840.10008.1.2.4.57/.70). */
export function decodeJpegLossless(frame: Uint8Array, header: ImageHeader, file: string): Float32Array {
  checkCodestream(frame, header, file, "jpeg");
  let decoded: Uint8Array | Uint16Array;
  try {
    decoded = new Decoder().decode(frame.buffer as ArrayBuffer, frame.byteOffset, frame.length);
  } catch (err) {
    throw new DicomError(file, "corrupt_pixel_data", `JPEG lossless: ${errorMessage(err)}`, { cause: err });
  }
  const pixels = header.tags.rows * header.tags.columns;
  if (decoded.length < pixels) throw new DicomError(file, "corrupt_pixel_data", `JPEG lossless decoded ${decoded.length} samples, expected ${pixels}`);
  return toModality(decoded, header, header.tags.bitsStored - 1);
}
