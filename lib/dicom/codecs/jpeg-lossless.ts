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
  const decoder = new Decoder();
  try {
    decoded = decoder.decode(frame.buffer as ArrayBuffer, frame.byteOffset, frame.length);
  } catch (err) {
    throw new DicomError(file, "corrupt_pixel_data", `JPEG lossless: ${errorMessage(err)}`, { cause: err });
  }
  // The decoder reads past the end of a cut codestream as zero bits, and stops at a stray marker
  // (damaged entropy-coded data) leaving the rest of the image 0, both without an error: ask it
  // how far it got. (dcmtk and GDCM refuse both files.)
  const stream = decoder.stream;
  if (stream && stream.index > stream.buffer.length) {
    throw new DicomError(file, "corrupt_pixel_data", `JPEG lossless: the entropy-coded data end ${stream.index - stream.buffer.length} bytes before the image does (a cut codestream)`);
  }
  if (decoder.yLoc !== undefined && decoder.yDim !== undefined && decoder.yLoc < decoder.yDim) {
    throw new DicomError(file, "corrupt_pixel_data", `JPEG lossless: the scan stops at a marker after ${decoder.yLoc} of ${decoder.yDim} rows (damaged entropy-coded data)`);
  }
  const pixels = header.tags.rows * header.tags.columns;
  if (decoded.length < pixels) throw new DicomError(file, "corrupt_pixel_data", `JPEG lossless decoded ${decoded.length} samples, expected ${pixels}`);
  return toModality(decoded, header, header.tags.bitsStored - 1);
}
