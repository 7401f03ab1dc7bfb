import type { OpenJPEGModule } from "@cornerstonejs/codec-openjpeg/decodewasmjs";
import { DicomError } from "../errors.ts";
import type { ImageHeader } from "../header.ts";
import { toModality } from "../samples.ts";
import { checkCodestream } from "./codestream.ts";
import { lazyCodec, silent } from "./wasm.ts";

// OpenJPEG logs "[INFO] …" lines for every image on stdout; its failures arrive as exceptions.
const openjpeg = lazyCodec<OpenJPEGModule>("JPEG 2000 (OpenJPEG)", async () =>
  (await import("@cornerstonejs/codec-openjpeg/decodewasmjs")).default(silent()),
);

/** JPEG 2000 (1.2.840.10008.1.2.4.90/.91) through OpenJPEG. */
export function decodeJpeg2000(frame: Uint8Array, header: ImageHeader, file: string): Promise<Float32Array> {
  const offset = checkCodestream(frame, header, file, "jpeg2000");
  const codestream = frame.subarray(offset);
  return openjpeg.run(file, (module) => {
    const decoder = new module.J2KDecoder();
    try {
      decoder.getEncodedBuffer(codestream.length).set(codestream);
      decoder.decode();
      const info = decoder.getFrameInfo();
      if (info.bitsPerSample > 16) throw new DicomError(file, "corrupt_pixel_data", `JPEG 2000 precision ${info.bitsPerSample} bits exceeds 16`);
      const pixels = header.tags.rows * header.tags.columns;
      const decoded = decoder.getDecodedBuffer();
      const bytesPerSample = info.bitsPerSample > 8 ? 2 : 1;
      if (decoded.length < pixels * bytesPerSample) {
        throw new DicomError(file, "corrupt_pixel_data", `JPEG 2000 decoded ${decoded.length} bytes, ${pixels} pixels need ${pixels * bytesPerSample}`);
      }
      // A signed component comes out two's complement; masking to BitsStored then restores the
      // DICOM sign convention whichever way the codestream declared it.
      const raw = bytesPerSample === 2 ? new Uint16Array(decoded.buffer, decoded.byteOffset, pixels) : decoded.subarray(0, pixels);
      return toModality(raw, header, header.tags.bitsStored - 1);
    } finally {
      decoder.delete();
    }
  });
}
