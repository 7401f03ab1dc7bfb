/**
 * Damaged copies of compressed DICOM files, made by the tests from files the project's writer
 * encodes (never committed): what interrupted copies, broken transfers and bad media leave.
 */
import type { DicomEncoding } from "../../../lib/dicom/write/index.ts";
import { tinyDicom } from "./fixtures.ts";

/** Where the encapsulated pixel data of a file written by `tinyDicom` lie. */
function pixelItems(bytes: Uint8Array): { bot: number; fragment: number; fragmentLength: number; data: number } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  // (7FE0,0010) OB, 2 reserved bytes, length 0xFFFFFFFF: the first item starts 12 bytes after the tag.
  const tag = buf.lastIndexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x42]));
  if (tag < 0) throw new Error("no encapsulated Pixel Data element");
  const bot = tag + 12;
  const fragment = bot + 8 + buf.readUInt32LE(bot + 4);
  const fragmentLength = buf.readUInt32LE(fragment + 4);
  return { bot, fragment, fragmentLength, data: fragment + 8 };
}

/** One kind of damage: its name and what it does to a good file's bytes. */
export interface Damage {
  name: string;
  apply(good: Uint8Array): Uint8Array;
}

const item = (tag: number, body: Uint8Array) => {
  const out = new Uint8Array(8 + body.length);
  const view = new DataView(out.buffer);
  view.setUint16(0, 0xfffe, true);
  view.setUint16(2, tag, true);
  view.setUint32(4, body.length, true);
  out.set(body, 8);
  return out;
};

/** The file with its single fragment replaced by `body`, properly wrapped (what a re-wrapping tool would write). */
function rewrapped(good: Uint8Array, body: Uint8Array): Uint8Array {
  const { fragment, fragmentLength } = pixelItems(good);
  const head = good.subarray(0, fragment);
  const tail = good.subarray(fragment + 8 + fragmentLength);
  const even = body.length % 2 ? Uint8Array.from([...body, 0]) : body;
  const out = new Uint8Array(head.length + 8 + even.length + tail.length);
  out.set(head, 0);
  out.set(item(0xe000, even), head.length);
  out.set(tail, head.length + 8 + even.length);
  return out;
}

/** The damage the issue lists, and two that reach the codecs with well-formed items. */
export const DAMAGES: readonly Damage[] = [
  { name: "truncated at 10 %", apply: (g) => g.subarray(0, pixelItems(g).data + Math.floor(pixelItems(g).fragmentLength * 0.1)) },
  { name: "truncated at 50 %", apply: (g) => g.subarray(0, pixelItems(g).data + Math.floor(pixelItems(g).fragmentLength * 0.5)) },
  { name: "truncated at 99 %", apply: (g) => g.subarray(0, pixelItems(g).data + Math.floor(pixelItems(g).fragmentLength * 0.99)) },
  { name: "missing sequence delimiter", apply: (g) => g.subarray(0, g.length - 8) },
  {
    name: "fragment item header overwritten",
    apply: (g) => {
      const out = g.slice();
      out.set([0xab, 0xcd, 0xef, 0x01], pixelItems(g).fragment);
      return out;
    },
  },
  { name: "cut inside a fragment item header", apply: (g) => g.subarray(0, pixelItems(g).fragment + 4) },
  {
    name: "fragment length 0x7FFFFFF0",
    apply: (g) => {
      const out = g.slice();
      new DataView(out.buffer).setUint32(pixelItems(g).fragment + 4, 0x7ffffff0, true);
      return out;
    },
  },
  {
    name: "codestream cut to half inside a well-formed fragment",
    apply: (g) => {
      const { data, fragmentLength } = pixelItems(g);
      return rewrapped(g, g.slice(data, data + Math.floor(fragmentLength / 2)));
    },
  },
  {
    name: "codestream bytes overwritten after its header",
    apply: (g) => {
      const { data, fragmentLength } = pixelItems(g);
      const body = g.slice(data, data + fragmentLength);
      for (let i = Math.min(64, body.length >> 1); i < body.length - 2; i++) body[i] = 0xff;
      return rewrapped(g, body);
    },
  },
  { name: "zero-filled after the pixel data element's header", apply: (g) => Uint8Array.from([...g.subarray(0, pixelItems(g).bot), ...new Uint8Array(g.length - pixelItems(g).bot)]) },
];

export const COMPRESSED: readonly DicomEncoding[] = ["rle", "jpeg-ls", "jpeg2000"];

/** A good file of `encoding` and every damaged copy of it, named `<encoding>: <damage>`. */
export async function damagedSet(encoding: DicomEncoding, seed: number): Promise<{ good: Uint8Array; damaged: { name: string; bytes: Uint8Array }[] }> {
  const good = await tinyDicom({ encoding, seed, patientId: `P${seed}` });
  return { good, damaged: DAMAGES.map((d) => ({ name: `${encoding}: ${d.name}`, bytes: d.apply(good) })) };
}
