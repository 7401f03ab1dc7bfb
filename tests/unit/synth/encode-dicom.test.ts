import { describe, expect, test } from "bun:test";
import { parseDicom, type DataSet } from "dicom-parser";
import charlsFactory from "@cornerstonejs/codec-charls/decodewasmjs";
import openjpegFactory from "@cornerstonejs/codec-openjpeg/decodewasmjs";
import { TaskError } from "../../../lib/errors/index.ts";
import { encodeDicom, encodeRle, MG_FOR_PRESENTATION_SOP_CLASS, TRANSFER_SYNTAX_UID, type DicomWriteSpec } from "../../../lib/dicom/write/index.ts";

const TAGS: DicomWriteSpec["tags"] = {
  patientId: "SYN00007",
  accessionNumber: "000123",
  studyInstanceUid: "2.25.11",
  seriesInstanceUid: "2.25.12",
  sopInstanceUid: "2.25.13",
  viewPosition: "CC",
  imageLaterality: "L",
  manufacturer: "Synthetic Imaging Beta",
};

function spec(overrides: Partial<DicomWriteSpec> = {}): DicomWriteSpec {
  const width = 5;
  const height = 3;
  return {
    width,
    height,
    bitsStored: 12,
    pixelRepresentation: 0,
    photometric: "MONOCHROME2",
    pixels: Uint16Array.from({ length: width * height }, (_, i) => i * 273), // 0 … 3822
    tags: TAGS,
    encoding: "explicit-le",
    ...overrides,
  };
}

function le16(values: ArrayLike<number>): number[] {
  return Array.from(values).flatMap((v) => [v & 0xff, (v >>> 8) & 0xff]);
}

/** PackBits decoding of one RLE segment (PS3.5 G.3.2), for checking the encoder. */
function unpack(segment: Uint8Array, expected: number): number[] {
  const out: number[] = [];
  let i = 0;
  while (out.length < expected && i < segment.length) {
    const h = segment[i++] as number;
    if (h < 128) {
      for (let k = 0; k <= h; k++) out.push(segment[i++] as number);
    } else if (h > 128) {
      const v = segment[i++] as number;
      for (let k = 0; k < 257 - h; k++) out.push(v);
    }
  }
  return out;
}

function rleSegments(frame: Uint8Array): Uint8Array[] {
  const view = new DataView(frame.buffer, frame.byteOffset);
  const n = view.getUint32(0, true);
  const offsets = Array.from({ length: n }, (_, k) => view.getUint32(4 + 4 * k, true));
  return offsets.map((o, k) => frame.subarray(o, offsets[k + 1] ?? frame.length));
}

/** The single fragment of encapsulated pixel data, after checking the one-entry offset table. */
function fragment(bytes: Uint8Array): Uint8Array {
  const ds = parseDicom(bytes);
  const el = ds.elements.x7fe00010;
  expect(el?.encapsulatedPixelData).toBe(true);
  expect(el?.basicOffsetTable).toEqual([0]);
  expect(el?.fragments?.length).toBe(1);
  const f = el?.fragments?.[0];
  if (!f) throw new Error("no fragment");
  expect(f.length % 2).toBe(0);
  return bytes.subarray(f.position, f.position + f.length);
}

describe("encodeDicom", () => {
  test("encodeDicom writes a 128-byte preamble, DICM and a meta group whose length is exact", async () => {
    const bytes = await encodeDicom(spec());
    expect(Array.from(bytes.subarray(0, 128)).every((b) => b === 0)).toBe(true);
    expect(new TextDecoder().decode(bytes.subarray(128, 132))).toBe("DICM");
    const ds = parseDicom(bytes);
    const groupLength = ds.uint32("x00020000");
    const first = ds.elements.x00020000;
    const metaEnd = Math.max(...Object.values(ds.elements).filter((e) => e.tag.startsWith("x0002")).map((e) => e.dataOffset + e.length));
    expect(groupLength).toBe(metaEnd - ((first?.dataOffset ?? 0) + 4));
    // The first data-set element starts right after the meta group.
    expect(new DataView(bytes.buffer).getUint16(metaEnd, true)).toBe(0x0008);
  });

  test("encodeDicom writes the header tags the rest of the project reads", async () => {
    const ds: DataSet = parseDicom(await encodeDicom(spec({ rescaleSlope: 0.5, rescaleIntercept: -1024, windowCenter: 1500.5, windowWidth: 3000, photometric: "MONOCHROME1" })));
    expect({
      ts: ds.string("x00020010"),
      mediaClass: ds.string("x00020002"),
      mediaInstance: ds.string("x00020003"),
      sopClass: ds.string("x00080016"),
      modality: ds.string("x00080060"),
      intent: ds.string("x00080068"),
      accession: ds.string("x00080050"),
      patient: ds.string("x00100020"),
      study: ds.string("x0020000d"),
      view: ds.string("x00185101"),
      laterality: ds.string("x00200062"),
      manufacturer: ds.string("x00080070"),
      photometric: ds.string("x00280004"),
      rows: ds.uint16("x00280010"),
      columns: ds.uint16("x00280011"),
      samples: ds.uint16("x00280002"),
      allocated: ds.uint16("x00280100"),
      stored: ds.uint16("x00280101"),
      high: ds.uint16("x00280102"),
      representation: ds.uint16("x00280103"),
      slope: ds.floatString("x00281053"),
      intercept: ds.floatString("x00281052"),
      center: ds.floatString("x00281050"),
      width: ds.floatString("x00281051"),
      lutShape: ds.string("x20500020"),
    }).toEqual({
      ts: "1.2.840.10008.1.2.1",
      mediaClass: MG_FOR_PRESENTATION_SOP_CLASS,
      mediaInstance: "2.25.13",
      sopClass: "1.2.840.10008.5.1.4.1.1.1.2",
      modality: "MG",
      intent: "FOR PRESENTATION",
      accession: "000123",
      patient: "SYN00007",
      study: "2.25.11",
      view: "CC",
      laterality: "L",
      manufacturer: "Synthetic Imaging Beta",
      photometric: "MONOCHROME1",
      rows: 3,
      columns: 5,
      samples: 1,
      allocated: 16,
      stored: 12,
      high: 11,
      representation: 0,
      slope: 0.5,
      intercept: -1024,
      center: 1500.5,
      width: 3000,
      lutShape: "INVERSE",
    });
  });

  test("encodeDicom without a window writes no WindowCenter/WindowWidth and identity rescale", async () => {
    const ds = parseDicom(await encodeDicom(spec()));
    expect([ds.elements.x00281050, ds.elements.x00281051]).toEqual([undefined, undefined]);
    expect([ds.floatString("x00281053"), ds.floatString("x00281052")]).toEqual([1, 0]);
  });

  test("encodeDicom(explicit-le and implicit-le) stores signed 16-bit pixels as little-endian two's complement", async () => {
    const pixels = Int16Array.from([-32768, -1, 0, 1, 32767, -2, 2, 300, -300, 7, 8, 9, 10, 11, 12]);
    for (const encoding of ["explicit-le", "implicit-le"] as const) {
      const bytes = await encodeDicom(spec({ bitsStored: 16, pixelRepresentation: 1, pixels, encoding }));
      const ds = parseDicom(bytes);
      expect(ds.string("x00020010")).toBe(TRANSFER_SYNTAX_UID[encoding]);
      const el = ds.elements.x7fe00010;
      expect(Array.from(bytes.subarray(el?.dataOffset ?? 0, (el?.dataOffset ?? 0) + (el?.length ?? 0)))).toEqual(le16(Array.from(pixels, (v) => v & 0xffff)));
    }
  });

  test("encodeDicom(8-bit, odd pixel count) writes OB bytes padded to even length", async () => {
    const pixels = Uint8Array.from({ length: 15 }, (_, i) => 255 - i);
    const bytes = await encodeDicom(spec({ bitsStored: 8, pixels }));
    const ds = parseDicom(bytes);
    expect(ds.uint16("x00280100")).toBe(8);
    const el = ds.elements.x7fe00010;
    expect(el?.vr).toBe("OB");
    expect(el?.length).toBe(16);
    expect(Array.from(bytes.subarray(el?.dataOffset ?? 0, (el?.dataOffset ?? 0) + 16))).toEqual([...pixels, 0]);
  });

  test("encodeDicom(rle) encapsulates one fragment whose byte planes unpack to the pixels, high byte first", async () => {
    const pixels = spec().pixels;
    const frame = fragment(await encodeDicom(spec({ encoding: "rle" })));
    const [high, low] = rleSegments(frame);
    expect(unpack(high ?? new Uint8Array(), 15)).toEqual(Array.from(pixels, (v) => v >>> 8));
    expect(unpack(low ?? new Uint8Array(), 15)).toEqual(Array.from(pixels, (v) => v & 0xff));
  });

  test("encodeDicom(jpeg-ls) round-trips 12-bit pixels through CharLS, signed ones masked to 12 bits", async () => {
    const charls = await charlsFactory({ print: () => {}, printErr: () => {} });
    const signed = Int16Array.from({ length: 15 }, (_, i) => (i - 7) * 290); // −2030 … 2030
    for (const [pixels, representation] of [
      [spec().pixels, 0],
      [signed, 1],
    ] as const) {
      const frame = fragment(await encodeDicom(spec({ encoding: "jpeg-ls", pixels, pixelRepresentation: representation })));
      const decoder = new charls.JpegLSDecoder();
      decoder.getEncodedBuffer(frame.length).set(frame);
      decoder.decode();
      expect(decoder.getFrameInfo()).toMatchObject({ width: 5, height: 3, bitsPerSample: 12 });
      const out = new Uint8Array(decoder.getDecodedBuffer());
      decoder.delete();
      expect(Array.from(out)).toEqual(le16(Array.from(pixels, (v) => v & 0xfff)));
    }
  });

  test("encodeDicom(jpeg2000) round-trips signed 16-bit pixels through OpenJPEG", async () => {
    const openjpeg = await openjpegFactory({ print: () => {}, printErr: () => {} });
    const pixels = Int16Array.from({ length: 40 * 36 }, (_, i) => ((i * 7919) % 65536) - 32768);
    const frame = fragment(await encodeDicom(spec({ width: 40, height: 36, bitsStored: 16, pixelRepresentation: 1, pixels, encoding: "jpeg2000" })));
    const decoder = new openjpeg.J2KDecoder();
    decoder.getEncodedBuffer(frame.length).set(frame);
    decoder.decode();
    expect(decoder.getFrameInfo()).toMatchObject({ width: 40, height: 36, bitsPerSample: 16, isSigned: true });
    const out = new Int16Array(new Uint8Array(decoder.getDecodedBuffer()).buffer);
    decoder.delete();
    expect(Array.from(out)).toEqual(Array.from(pixels));
  });

  test("encodeDicom ends encapsulated pixel data with a sequence delimiter", async () => {
    for (const encoding of ["rle", "jpeg-ls", "jpeg2000"] as const) {
      const bytes = await encodeDicom(spec({ encoding }));
      expect(Array.from(bytes.subarray(bytes.length - 8))).toEqual([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
    }
  });

  test("encodeDicom gives the same bytes for the same spec", async () => {
    for (const encoding of ["explicit-le", "rle", "jpeg-ls", "jpeg2000"] as const) {
      expect(Buffer.from(await encodeDicom(spec({ encoding }))).equals(Buffer.from(await encodeDicom(spec({ encoding }))))).toBe(true);
    }
  });

  test.each([
    ["a pixel above the 12-bit range", { pixels: Uint16Array.from({ length: 15 }, (_, i) => (i === 3 ? 4096 : 0)) }, "invalid pixels[3]: 4096 (expected 0–4095 for 12-bit unsigned)"],
    ["a pixel count that is not width × height", { pixels: new Uint16Array(14) }, "invalid pixels.length: 14 (expected width × height = 15)"],
    ["a UID with a leading zero", { tags: { ...TAGS, sopInstanceUid: "1.02.3" } }, 'invalid tags.sopInstanceUid: "1.02.3"'],
    ["an accession number longer than SH allows", { tags: { ...TAGS, accessionNumber: "12345678901234567" } }, 'invalid tags.accessionNumber: "12345678901234567"'],
    ["signed 8-bit JPEG 2000", { bitsStored: 8, pixelRepresentation: 1, pixels: new Uint8Array(15), encoding: "jpeg2000" }, "invalid pixelRepresentation: 1"],
    ["bitsStored 10", { bitsStored: 10 }, "invalid bitsStored: 10"],
  ] as [string, Partial<DicomWriteSpec>, string][])("encodeDicom rejects %s, naming the field and value", async (_, overrides, message) => {
    const err = await encodeDicom(spec(overrides)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect((err as TaskError).code).toBe("dicom_write_invalid");
    expect((err as TaskError).message).toContain(message);
  });
});

describe("encodeRle", () => {
  test("encodeRle packs [5,5,5,5,1,2,3] as a replicate run and a literal run", () => {
    const frame = encodeRle(Uint8Array.from([5, 5, 5, 5, 1, 2, 3]), 7, 1, 1);
    const header = new DataView(frame.buffer);
    expect([header.getUint32(0, true), header.getUint32(4, true), header.getUint32(8, true)]).toEqual([1, 64, 0]);
    // 0xFD = −3: repeat the next byte 4 times; 0x02: copy the next 3 bytes.
    expect(Array.from(frame.subarray(64))).toEqual([0xfd, 5, 0x02, 1, 2, 3]);
  });

  test("encodeRle splits 16-bit samples into a high-byte then a low-byte segment, each even", () => {
    const frame = encodeRle(Uint8Array.from(le16([0x0102, 0x0304])), 2, 1, 2);
    const header = new DataView(frame.buffer);
    expect([header.getUint32(0, true), header.getUint32(4, true), header.getUint32(8, true)]).toEqual([2, 64, 68]);
    expect(Array.from(frame.subarray(64))).toEqual([0x01, 1, 3, 0, 0x01, 2, 4, 0]);
  });

  test("encodeRle encodes each row on its own and splits runs and literals at 128 bytes", () => {
    const width = 300;
    const row = [...Array<number>(200).fill(9), ...Array.from({ length: 100 }, (_, i) => (i * 37) % 251)];
    const frame = encodeRle(Uint8Array.from([...row, ...row]), width, 2, 1);
    const [segment] = rleSegments(frame);
    expect(unpack(segment ?? new Uint8Array(), 600)).toEqual([...row, ...row]);
    // Each row: runs of 128 and 72 (headers 0x81, 0xB9), then one 100-byte literal (header 0x63).
    const rowCode = [0x81, 9, 0xb9, 9, 0x63];
    expect(Array.from(segment?.subarray(0, 5) ?? [])).toEqual(rowCode);
    expect(Array.from(segment?.subarray(105, 110) ?? [])).toEqual(rowCode);
    expect(segment?.length).toBe(2 * 105);
  });
});
