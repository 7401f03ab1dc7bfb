import type { CharLSModule } from "@cornerstonejs/codec-charls/decodewasmjs";
import { DicomError } from "../errors.ts";
import type { ImageHeader } from "../header.ts";
import { toModality } from "../samples.ts";
import { checkCodestream } from "./codestream.ts";
import { lazyCodec, silent } from "./wasm.ts";

const charls = lazyCodec<CharLSModule>("JPEG-LS (CharLS)", async () =>
  (await import("@cornerstonejs/codec-charls/decodewasmjs")).default(silent()),
);

/** JPEG-LS lossless and near-lossless (1.2.840.10008.1.2.4.80/.81) through CharLS. */
export function decodeJpegLs(frame: Uint8Array, header: ImageHeader, file: string): Promise<Float32Array> {
  checkCodestream(frame, header, file, "jpeg");
  return charls.run(file, (module) => {
    const decoder = new module.JpegLSDecoder();
    try {
      decoder.getEncodedBuffer(frame.length).set(frame);
      decoder.decode();
      const info = decoder.getFrameInfo();
      const pixels = header.tags.rows * header.tags.columns;
      const decoded = decoder.getDecodedBuffer();
      const bytesPerSample = info.bitsPerSample > 8 ? 2 : 1;
      if (decoded.length < pixels * bytesPerSample) {
        throw new DicomError(file, "corrupt_pixel_data", `JPEG-LS decoded ${decoded.length} bytes, ${pixels} pixels need ${pixels * bytesPerSample}`);
      }
      // Converted straight out of wasm memory, before delete() frees it.
      const raw = bytesPerSample === 2 ? new Uint16Array(decoded.buffer, decoded.byteOffset, pixels) : decoded.subarray(0, pixels);
      return toModality(raw, header, header.tags.bitsStored - 1);
    } finally {
      decoder.delete();
    }
  });
}
