// Hand-assembled Part-10 files for the decoder's unit tests, written byte by byte from PS3.5/3.10
// so the tests depend on neither the project's writer nor the decoder under test.

const EXPLICIT_LE = "1.2.840.10008.1.2.1";
const IMPLICIT_LE = "1.2.840.10008.1.2";
const RLE = "1.2.840.10008.1.2.5";
/** VRs whose explicit encoding has 2 reserved bytes and a 4-byte length. */
const LONG_VRS = new Set(["OB", "OW", "OF", "SQ", "UT", "UN"]);

/** One data element: tag as [group, element]. */
export interface El {
  tag: [number, number];
  vr: string;
  value: Uint8Array;
  /** Write length 0xFFFFFFFF (encapsulated pixel data); the value must carry its own items. */
  undefinedLength?: boolean;
}

export const text = (tag: [number, number], vr: string, s: string): El => {
  const padded = s.length % 2 === 0 ? s : s + (vr === "UI" ? "\0" : " ");
  return { tag, vr, value: new TextEncoder().encode(padded) };
};
export const us = (tag: [number, number], n: number): El => ({ tag, vr: "US", value: new Uint8Array(new Uint16Array([n]).buffer) });

function element(el: El, implicit: boolean): Uint8Array {
  const long = LONG_VRS.has(el.vr);
  const headerLength = implicit ? 8 : long ? 12 : 8;
  const out = new Uint8Array(headerLength + el.value.length);
  const view = new DataView(out.buffer);
  view.setUint16(0, el.tag[0], true);
  view.setUint16(2, el.tag[1], true);
  const length = el.undefinedLength === true ? 0xffffffff : el.value.length;
  if (implicit) view.setUint32(4, length, true);
  else {
    out[4] = el.vr.charCodeAt(0);
    out[5] = el.vr.charCodeAt(1);
    if (long) view.setUint32(8, length, true);
    else view.setUint16(6, length, true);
  }
  out.set(el.value, headerLength);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Preamble, "DICM", file meta group (explicit LE, with its group length), then the data set. */
export function part10(transferSyntax: string, elements: El[]): Uint8Array {
  const meta = concat(
    [
      { tag: [0x0002, 0x0001], vr: "OB", value: new Uint8Array([0, 1]) } satisfies El,
      text([0x0002, 0x0002], "UI", "1.2.840.10008.5.1.4.1.1.1.2"),
      text([0x0002, 0x0003], "UI", "1.2.3.4"),
      text([0x0002, 0x0010], "UI", transferSyntax),
    ].map((el) => element(el, false)),
  );
  const groupLength = element({ tag: [0x0002, 0x0000], vr: "UL", value: new Uint8Array(new Uint32Array([meta.length]).buffer) }, false);
  const implicit = transferSyntax === IMPLICIT_LE;
  const sorted = [...elements].sort((a, b) => a.tag[0] - b.tag[0] || a.tag[1] - b.tag[1]);
  return concat([new Uint8Array(128), new TextEncoder().encode("DICM"), groupLength, meta, ...sorted.map((el) => element(el, implicit))]);
}

/** Encapsulated pixel data: an empty Basic Offset Table item, one item per fragment, a delimiter. */
export function encapsulated(fragments: Uint8Array[]): El {
  const item = (tag: number, body: Uint8Array) => {
    const out = new Uint8Array(8 + body.length);
    const view = new DataView(out.buffer);
    view.setUint16(0, 0xfffe, true);
    view.setUint16(2, tag, true);
    view.setUint32(4, body.length, true);
    out.set(body, 8);
    return out;
  };
  const value = concat([item(0xe000, new Uint8Array(0)), ...fragments.map((f) => item(0xe000, f)), item(0xe0dd, new Uint8Array(0))]);
  return { tag: [0x7fe0, 0x0010], vr: "OB", value, undefinedLength: true };
}

export interface ImageSpec {
  rows: number;
  columns: number;
  bitsAllocated?: 8 | 16;
  bitsStored?: number;
  highBit?: number;
  pixelRepresentation?: 0 | 1;
  photometric?: string;
  /** Stored words, row-major (frame after frame when `frames` > 1). */
  words?: ArrayLike<number>;
  frames?: number;
  transferSyntax?: string;
  /** Replaces the native Pixel Data element (e.g. `encapsulated([...])`); null leaves it out. */
  pixelData?: El | null;
  extra?: El[];
}

/** A small grayscale image with the tags the decoder reads. */
export function imageFile(spec: ImageSpec): Uint8Array {
  const bitsAllocated = spec.bitsAllocated ?? 16;
  const bitsStored = spec.bitsStored ?? bitsAllocated;
  const words = spec.words ?? Array.from({ length: spec.rows * spec.columns * (spec.frames ?? 1) }, (_, i) => i);
  // Values are even-length: an odd count of 8-bit samples gets a padding byte.
  const native = bitsAllocated === 8 ? Uint8Array.from({ length: words.length + (words.length % 2) }, (_, i) => words[i] ?? 0) : new Uint8Array(Uint16Array.from(words).buffer);
  const elements: El[] = [
    text([0x0008, 0x0070], "LO", "TestCo"),
    text([0x0010, 0x0020], "LO", "PAT-7"),
    text([0x0008, 0x0050], "SH", "000123"),
    us([0x0028, 0x0002], 1),
    text([0x0028, 0x0004], "CS", spec.photometric ?? "MONOCHROME2"),
    us([0x0028, 0x0010], spec.rows),
    us([0x0028, 0x0011], spec.columns),
    us([0x0028, 0x0100], bitsAllocated),
    us([0x0028, 0x0101], bitsStored),
    us([0x0028, 0x0102], spec.highBit ?? bitsStored - 1),
    us([0x0028, 0x0103], spec.pixelRepresentation ?? 0),
    ...(spec.frames === undefined ? [] : [text([0x0028, 0x0008], "IS", String(spec.frames))]),
    ...(spec.extra ?? []),
  ];
  const pixelData = spec.pixelData === undefined ? { tag: [0x7fe0, 0x0010] as [number, number], vr: bitsAllocated === 8 ? "OB" : "OW", value: native } : spec.pixelData;
  if (pixelData !== null) elements.push(pixelData);
  return part10(spec.transferSyntax ?? EXPLICIT_LE, elements);
}

/** An RLE frame: header with the segment count and offsets, then the given PackBits segments. */
export function rleFrame(segments: number[][]): Uint8Array {
  const header = new Uint32Array(16);
  header[0] = segments.length;
  let offset = 64;
  segments.forEach((s, i) => {
    header[i + 1] = offset;
    offset += s.length;
  });
  const body = segments.flat();
  const out = new Uint8Array(64 + body.length + (body.length % 2));
  out.set(new Uint8Array(header.buffer), 0);
  out.set(body, 64);
  return out;
}

export { EXPLICIT_LE, IMPLICIT_LE, RLE };
