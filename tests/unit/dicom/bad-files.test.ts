import { describe, expect, test } from "bun:test";
import { DicomError, decodeDicom, readDicomTags } from "../../../lib/dicom/index.ts";
import type { DicomFailure } from "../../../lib/dicom/index.ts";
import { encapsulated, imageFile, part10, RLE, rleFrame, text, us } from "./build.ts";

const good = imageFile({ rows: 8, columns: 8 });
const rle = imageFile({ rows: 2, columns: 2, bitsAllocated: 8, transferSyntax: RLE, pixelData: encapsulated([rleFrame([[0xfd, 9]])]) });
const csv = new TextEncoder().encode("AccessionNumber,Classification,ClassificationDate\n".repeat(5));
/** Offset of the first data-set element: after the preamble, "DICM" and the meta group. */
const dataSetStart = 132 + 12 + new DataView(good.buffer).getUint32(140, true);

/** SOF55 (JPEG-LS) frame header declaring 2×2, one component, then EOI. */
const jpegLs2x2 = Uint8Array.from([0xff, 0xd8, 0xff, 0xf7, 0, 11, 8, 0, 2, 0, 2, 1, 1, 0x11, 0, 0xff, 0xd9, 0]);

/** [case, bytes, reason, whether readDicomTags (header only) already fails the same way] */
const cases: [string, Uint8Array, DicomFailure, boolean][] = [
  ["an empty file", new Uint8Array(0), "truncated", true],
  ["a file cut inside the preamble", good.subarray(0, 100), "truncated", true],
  ["a file cut inside the file meta header", good.subarray(0, 150), "truncated", true],
  ["a file cut inside the data set", good.subarray(0, dataSetStart + 5), "truncated", true],
  ["a file cut inside native pixel data", good.subarray(0, good.length - 50), "truncated", true],
  ["a file cut inside encapsulated pixel data", rle.subarray(0, rle.length - 12), "truncated", false],
  ["a CSV named .dcm", csv, "not_dicom", true],
  ["a short text file", new TextEncoder().encode("hello"), "not_dicom", true],
  ["a data set without the Part-10 preamble", good.subarray(132), "not_dicom", true],
  ["a file without Pixel Data", imageFile({ rows: 8, columns: 8, pixelData: null }), "no_pixel_data", true],
  ["JPEG extended 12-bit lossy (1.2.840.10008.1.2.4.51)", imageFile({ rows: 8, columns: 8, transferSyntax: "1.2.840.10008.1.2.4.51" }), "unsupported_transfer_syntax", true],
  ["explicit VR big endian", imageFile({ rows: 8, columns: 8, transferSyntax: "1.2.840.10008.1.2.2" }), "unsupported_transfer_syntax", true],
  ["Rows × Columns of 65535 × 65535", imageFile({ rows: 65535, columns: 65535, words: [1, 2] }), "too_large", true],
  ["native pixel data shorter than Rows × Columns", imageFile({ rows: 8, columns: 8, words: [1, 2, 3] }), "corrupt_pixel_data", false],
  ["NumberOfFrames beyond the pixel data", imageFile({ rows: 2, columns: 2, words: [1, 2, 3, 4], extra: [text([0x0028, 0x0008], "IS", "1000000")] }), "corrupt_pixel_data", false],
  ["an RLE frame with one segment for 16-bit data", imageFile({ rows: 2, columns: 2, transferSyntax: RLE, pixelData: encapsulated([rleFrame([[0xfd, 9]])]) }), "corrupt_pixel_data", false],
  ["an RLE segment that decodes to too few bytes", imageFile({ rows: 2, columns: 2, bitsAllocated: 8, transferSyntax: RLE, pixelData: encapsulated([rleFrame([[0xfe, 9]])]) }), "corrupt_pixel_data", false],
  // 8 bytes for 4 pixels: runs that are not this image's (it used to decode the first 4).
  ["an RLE segment that decodes to more bytes than the image", imageFile({ rows: 2, columns: 2, bitsAllocated: 8, transferSyntax: RLE, pixelData: encapsulated([rleFrame([[0xf9, 9]])]) }), "corrupt_pixel_data", false],
  ["a JPEG-LS frame header that disagrees with Rows/Columns", imageFile({ rows: 8, columns: 8, transferSyntax: "1.2.840.10008.1.2.4.80", pixelData: encapsulated([jpegLs2x2]) }), "corrupt_pixel_data", false],
  ["JPEG 2000 pixel data without a codestream", imageFile({ rows: 8, columns: 8, transferSyntax: "1.2.840.10008.1.2.4.90", pixelData: encapsulated([new Uint8Array(64).fill(7)]) }), "corrupt_pixel_data", false],
  ["native pixel data in a compressed transfer syntax", imageFile({ rows: 8, columns: 8, transferSyntax: "1.2.840.10008.1.2.4.70" }), "corrupt_pixel_data", false],
  ["an RGB image (SamplesPerPixel 3)", part10("1.2.840.10008.1.2.1", [us([0x0028, 0x0002], 3), us([0x0028, 0x0010], 1), us([0x0028, 0x0011], 1), us([0x0028, 0x0100], 8), { tag: [0x7fe0, 0x0010], vr: "OB", value: new Uint8Array(4) }]), "corrupt_pixel_data", true],
  ["BitsAllocated 32", imageFile({ rows: 1, columns: 1, extra: [us([0x0028, 0x0100], 32)], words: [1, 2] }), "corrupt_pixel_data", true],
];

async function failure(run: () => unknown): Promise<DicomError> {
  try {
    await run();
  } catch (err) {
    if (err instanceof DicomError) return err;
    throw new Error(`expected a DicomError, got ${String(err)}`);
  }
  throw new Error("expected a DicomError, but the file was read");
}

describe("decodeDicom(bytes, file) on bad files", () => {
  test.each(cases)("%s → DicomError", async (_name, bytes, reason) => {
    const err = await failure(() => decodeDicom(bytes, "archive/000123/bad.dcm"));
    expect(err.reason).toBe(reason);
    expect(err.file).toBe("archive/000123/bad.dcm");
    expect(err.code).toBe("dicom_unreadable");
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain("archive/000123/bad.dcm");
    expect(err.message).toContain(reason);
  });

  test("the unsupported transfer syntax is named in the message", async () => {
    const err = await failure(() => decodeDicom(imageFile({ rows: 1, columns: 1, transferSyntax: "1.2.840.10008.1.2.4.51" }), "x.dcm"));
    expect(err.message).toContain("1.2.840.10008.1.2.4.51 (JPEG extended, 12-bit lossy)");
  });
});

describe("readDicomTags(bytes, file) on bad files", () => {
  test.each(cases.filter(([, , , header]) => header))("%s → DicomError", async (_name, bytes, reason) => {
    expect((await failure(() => readDicomTags(bytes, "bad.dcm"))).reason).toBe(reason);
  });

  test.each(cases.filter(([, , , header]) => !header))("%s: the header alone still reads", (_name, bytes) => {
    expect(readDicomTags(bytes, "bad.dcm").rows).toBeGreaterThan(0);
  });
});

describe("decodeDicom on RLE segments of the right length", () => {
  test("a segment decoding to one byte more than the image (a pad to even length) decodes", async () => {
    const file = imageFile({ rows: 2, columns: 2, bitsAllocated: 8, transferSyntax: RLE, pixelData: encapsulated([rleFrame([[0xfc, 9]])]) });
    expect(Array.from((await decodeDicom(file, "pad.dcm")).pixels)).toEqual([9, 9, 9, 9]);
  });
});
