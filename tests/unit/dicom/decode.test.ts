import { describe, expect, test } from "bun:test";
import { decodeDicom, readDicomTags } from "../../../lib/dicom/index.ts";
import { encapsulated, imageFile, IMPLICIT_LE, RLE, rleFrame, text } from "./build.ts";

async function pixels(file: Uint8Array): Promise<number[]> {
  return Array.from((await decodeDicom(file, "test.dcm")).pixels);
}

describe("decodeDicom(bytes, file)", () => {
  test("returns 16-bit unsigned stored values row-major with width = Columns, height = Rows", async () => {
    const image = await decodeDicom(imageFile({ rows: 2, columns: 3, words: [0, 1, 2, 300, 4000, 65535] }), "a.dcm");
    expect([image.width, image.height]).toEqual([3, 2]);
    expect(Array.from(image.pixels)).toEqual([0, 1, 2, 300, 4000, 65535]);
  });

  test("ignores the bits above BitsStored (12 of 16)", async () => {
    expect(await pixels(imageFile({ rows: 1, columns: 3, bitsStored: 12, words: [0xf001, 0x1fff, 0x0abc] }))).toEqual([1, 4095, 0xabc]);
  });

  test("sign-extends 12-bit signed values: 0x0FFF → −1, 0x0800 → −2048, 0x07FF → 2047", async () => {
    const file = imageFile({ rows: 1, columns: 4, bitsStored: 12, pixelRepresentation: 1, words: [0x0fff, 0x0800, 0x07ff, 0xf005] });
    expect(await pixels(file)).toEqual([-1, -2048, 2047, 5]);
  });

  test("sign-extends 16-bit signed values", async () => {
    expect(await pixels(imageFile({ rows: 1, columns: 3, pixelRepresentation: 1, words: [0xffff, 0x8000, 0x7fff] }))).toEqual([-1, -32768, 32767]);
  });

  test("takes the stored bits where HighBit puts them (BitsStored 12, HighBit 15)", async () => {
    expect(await pixels(imageFile({ rows: 1, columns: 2, bitsStored: 12, highBit: 15, words: [0xfff0, 0x0010] }))).toEqual([4095, 1]);
  });

  test("applies RescaleSlope and RescaleIntercept to the stored values", async () => {
    const file = imageFile({
      rows: 1,
      columns: 3,
      words: [0, 10, 100],
      extra: [text([0x0028, 0x1053], "DS", "0.5"), text([0x0028, 0x1052], "DS", "-1024")],
    });
    expect(await pixels(file)).toEqual([-1024, -1019, -974]);
  });

  test("reads 8-bit implicit VR little endian with an odd pixel count", async () => {
    expect(await pixels(imageFile({ rows: 1, columns: 3, bitsAllocated: 8, transferSyntax: IMPLICIT_LE, words: [7, 0, 255] }))).toEqual([7, 0, 255]);
  });

  test("decodes frame 0 of a multi-frame image", async () => {
    expect(await pixels(imageFile({ rows: 1, columns: 2, frames: 3, words: [5, 6, 7, 8, 9, 10] }))).toEqual([5, 6]);
  });

  test("RLE: PackBits runs and literals, 8 bits", async () => {
    // 0xFE = repeat the next byte 3 times; 0x00 = one literal byte follows.
    const frame = rleFrame([[0xfe, 5, 0x00, 7]]);
    expect(await pixels(imageFile({ rows: 2, columns: 2, bitsAllocated: 8, transferSyntax: RLE, pixelData: encapsulated([frame]) }))).toEqual([5, 5, 5, 7]);
  });

  test("RLE: 16 bits from a high-byte segment then a low-byte segment", async () => {
    const frame = rleFrame([
      [0x02, 0x12, 0x00, 0xff], // literal 0x12 0x00 0xFF
      [0xff, 0x34, 0x80, 0x00, 0x01], // 0x34 twice, a no-op (0x80), literal 0x01
    ]);
    const file = imageFile({ rows: 1, columns: 3, transferSyntax: RLE, pixelData: encapsulated([frame]) });
    expect(await pixels(file)).toEqual([0x1234, 0x0034, 0xff01]);
  });
});

describe("readDicomTags(bytes, file)", () => {
  test("reads identifiers, image layout, rescale and the first window value", () => {
    const file = imageFile({
      rows: 4,
      columns: 5,
      bitsStored: 14,
      photometric: "MONOCHROME1",
      extra: [
        text([0x0020, 0x000d], "UI", "1.2.826.0.1.3"),
        text([0x0018, 0x5101], "CS", "MLO"),
        text([0x0020, 0x0060], "CS", "R"),
        text([0x0028, 0x1050], "DS", "2047.5\\100"),
        text([0x0028, 0x1051], "DS", "4096\\50"),
      ],
    });
    expect(readDicomTags(file, "t.dcm")).toEqual({
      patientId: "PAT-7",
      accessionNumber: "000123",
      studyInstanceUid: "1.2.826.0.1.3",
      viewPosition: "MLO",
      imageLaterality: "R", // from Laterality (0020,0060) when ImageLaterality is absent
      manufacturer: "TestCo",
      photometricInterpretation: "MONOCHROME1",
      transferSyntaxUid: "1.2.840.10008.1.2.1",
      rows: 4,
      columns: 5,
      bitsAllocated: 16,
      bitsStored: 14,
      pixelRepresentation: 0,
      rescaleSlope: 1,
      rescaleIntercept: 0,
      windowCenter: 2047.5,
      windowWidth: 4096,
    });
  });

  test("an empty WindowCenter and an absent WindowWidth read as null", () => {
    const tags = readDicomTags(imageFile({ rows: 1, columns: 1, extra: [text([0x0028, 0x1050], "DS", "")] }), "w.dcm");
    expect([tags.windowCenter, tags.windowWidth]).toEqual([null, null]);
  });

  test("stops at the pixel data, but a native Pixel Data element longer than the file is truncated", () => {
    const file = imageFile({ rows: 64, columns: 64 });
    expect(readDicomTags(file, "whole.dcm").rows).toBe(64);
    expect(() => readDicomTags(file.subarray(0, file.length - 100), "cut.dcm")).toThrow("cut.dcm");
    expect(() => readDicomTags(file.subarray(0, file.length - 100), "cut.dcm")).toThrow("the file ends 100 bytes short");
  });
});

test("decodeDicom reads 16-bit words that start at an odd byte offset of a Buffer", async () => {
  const file = imageFile({ rows: 1, columns: 2, words: [0x1234, 0xabcd] });
  const padded = Buffer.alloc(file.length + 1);
  padded.set(file, 1);
  expect(await pixels(padded.subarray(1))).toEqual([0x1234, 0xabcd]);
});
