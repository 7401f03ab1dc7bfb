import { imageAttributes } from "./attributes.ts";
import { encodeJpeg2000, encodeJpegLs } from "./codecs.ts";
import { ByteWriter, bytes, encapsulate, tag, text, ul, writeElements, type DataElement } from "./elements.ts";
import { encodeRle } from "./rle.ts";
import { MG_FOR_PRESENTATION_SOP_CLASS, TRANSFER_SYNTAX_UID, validateSpec, type DicomWriteSpec } from "./spec.ts";

/** This writer's Implementation Class UID (a 2.25 UUID-derived root, fixed forever). */
export const IMPLEMENTATION_CLASS_UID = "2.25.156688638671237414755518194431217255115";
const IMPLEMENTATION_VERSION_NAME = "MAMMO_DENSITY_1";

const PIXEL_DATA = tag(0x7fe0, 0x0010);

/**
 * Stored values as little-endian words of BitsAllocated bits (two's complement when signed).
 * `maskBits` keeps only the low bits, which is how signed samples are handed to JPEG-LS.
 */
function storedBytes(spec: DicomWriteSpec, maskBits?: number): Uint8Array {
  const n = spec.width * spec.height;
  const px = spec.pixels;
  if (spec.bitsStored === 8) {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = (px[i] as number) & 0xff;
    return out;
  }
  const mask = maskBits === undefined ? 0xffff : 2 ** maskBits - 1;
  const out = new Uint8Array(2 * n);
  for (let i = 0; i < n; i++) {
    const v = (px[i] as number) & mask;
    out[2 * i] = v & 0xff;
    out[2 * i + 1] = v >>> 8;
  }
  return out;
}

async function pixelData(spec: DicomWriteSpec): Promise<DataElement> {
  const { width, height, bitsStored } = spec;
  switch (spec.encoding) {
    case "explicit-le":
    case "implicit-le":
      return bytes(PIXEL_DATA, bitsStored === 8 ? "OB" : "OW", storedBytes(spec));
    case "rle":
      return encapsulated(encodeRle(storedBytes(spec), width, height, bitsStored === 8 ? 1 : 2));
    case "jpeg-ls":
      return encapsulated(await encodeJpegLs(storedBytes(spec, bitsStored), width, height, bitsStored));
    case "jpeg2000":
      return encapsulated(await encodeJpeg2000(storedBytes(spec), width, height, bitsStored, spec.pixelRepresentation === 1));
  }
}

function encapsulated(frame: Uint8Array): DataElement {
  return { tag: PIXEL_DATA, vr: "OB", value: encapsulate(frame), undefinedLength: true };
}

/** Group 0002, always explicit VR little endian, led by its group length. */
function fileMeta(spec: DicomWriteSpec): Uint8Array {
  const group = new ByteWriter();
  writeElements(
    group,
    [
      bytes(tag(0x0002, 0x0001), "OB", Uint8Array.of(0, 1)),
      text(tag(0x0002, 0x0002), "UI", MG_FOR_PRESENTATION_SOP_CLASS),
      text(tag(0x0002, 0x0003), "UI", spec.tags.sopInstanceUid),
      text(tag(0x0002, 0x0010), "UI", TRANSFER_SYNTAX_UID[spec.encoding]),
      text(tag(0x0002, 0x0012), "UI", IMPLEMENTATION_CLASS_UID),
      text(tag(0x0002, 0x0013), "SH", IMPLEMENTATION_VERSION_NAME),
    ],
    true,
  );
  const out = new ByteWriter();
  writeElements(out, [ul(tag(0x0002, 0x0000), group.length)], true);
  out.bytes(group.result());
  return out.result();
}

/**
 * A complete DICOM Part-10 file: 128-byte preamble, "DICM", file meta group, then the data set
 * in the spec's transfer syntax. Deterministic: the same spec gives the same bytes.
 * Throws TaskError("dicom_write_invalid") naming the bad field of the spec.
 */
export async function encodeDicom(spec: DicomWriteSpec): Promise<Uint8Array> {
  validateSpec(spec);
  const pixels = await pixelData(spec);
  const out = new ByteWriter();
  out.bytes(new Uint8Array(128));
  out.ascii("DICM");
  out.bytes(fileMeta(spec));
  writeElements(out, [...imageAttributes(spec), pixels], spec.encoding !== "implicit-le");
  return out.result();
}
