/**
 * Data elements and their little-endian serialisation, explicit or implicit VR. Only what the
 * writer needs: text VRs, binary numbers, OB/OW bytes, sequences of defined length, and the
 * undefined-length pixel data of encapsulated transfer syntaxes.
 */

/** Value representations the writer emits. */
export type Vr = "CS" | "DA" | "DS" | "IS" | "LO" | "PN" | "SH" | "TM" | "UI" | "US" | "SS" | "UL" | "OB" | "OW" | "SQ";

/** One data element; `value` is already encoded (even length) except for sequences. */
export interface DataElement {
  /** (group << 16) | element. */
  tag: number;
  vr: Vr;
  value: Uint8Array | DataElement[][];
  /** Written with length 0xFFFFFFFF (encapsulated pixel data: `value` holds the items and the delimiter). */
  undefinedLength?: boolean;
}

/** VRs with a 2-byte reserved field and a 4-byte length in explicit VR. */
const LONG_VRS = new Set<Vr>(["OB", "OW", "SQ"]);

const ITEM = 0xfffee000;
const SEQUENCE_DELIMITER = 0xfffee0dd;

export function tag(group: number, element: number): number {
  return group * 0x10000 + element;
}

/** Text value padded to even length: UIs with NUL, other VRs with a space. */
export function text(t: number, vr: Vr, value: string): DataElement {
  const padded = value.length % 2 === 0 ? value : value + (vr === "UI" ? "\0" : " ");
  return { tag: t, vr, value: new TextEncoder().encode(padded) };
}

/** Decimal string (DS) of at most 16 characters, as exact as that allows. */
export function formatDs(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  for (let p = 15; p >= 1; p--) {
    const s = String(Number(x.toPrecision(p)));
    if (s.length <= 16) return s;
  }
  return String(Math.round(x));
}

export function ds(t: number, ...values: number[]): DataElement {
  return text(t, "DS", values.map(formatDs).join("\\"));
}

export function intString(t: number, value: number): DataElement {
  return text(t, "IS", String(value));
}

export function us(t: number, value: number): DataElement {
  const b = new Uint8Array(2);
  new DataView(b.buffer).setUint16(0, value, true);
  return { tag: t, vr: "US", value: b };
}

export function ss(t: number, value: number): DataElement {
  const b = new Uint8Array(2);
  new DataView(b.buffer).setInt16(0, value, true);
  return { tag: t, vr: "SS", value: b };
}

export function ul(t: number, value: number): DataElement {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, value, true);
  return { tag: t, vr: "UL", value: b };
}

/** Bytes padded with a trailing NUL to even length. */
export function bytes(t: number, vr: "OB" | "OW", value: Uint8Array): DataElement {
  return { tag: t, vr, value: evenLength(value) };
}

export function sequence(t: number, items: DataElement[][]): DataElement {
  return { tag: t, vr: "SQ", value: items };
}

export function evenLength(value: Uint8Array): Uint8Array {
  if (value.length % 2 === 0) return value;
  const out = new Uint8Array(value.length + 1);
  out.set(value);
  return out;
}

/** Grows as bytes are appended; avoids one allocation per element. */
export class ByteWriter {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u16(v: number): void {
    this.reserve(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
  }
  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  ascii(s: string): void {
    this.bytes(new TextEncoder().encode(s));
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** Elements sorted by tag, as a data set must be. */
export function sortElements(elements: readonly DataElement[]): DataElement[] {
  return [...elements].sort((a, b) => a.tag - b.tag);
}

/** Serialises `elements` (sorted here) into `out`. */
export function writeElements(out: ByteWriter, elements: readonly DataElement[], explicitVr: boolean): void {
  for (const el of sortElements(elements)) {
    const value = Array.isArray(el.value) ? encodeItems(el.value, explicitVr) : el.value;
    out.u16(el.tag >>> 16);
    out.u16(el.tag & 0xffff);
    const length = el.undefinedLength ? 0xffffffff : value.length;
    if (explicitVr) {
      out.ascii(el.vr);
      if (LONG_VRS.has(el.vr)) {
        out.u16(0);
        out.u32(length);
      } else {
        if (length > 0xffff) throw new RangeError(`element (${hex(el.tag)}) ${el.vr} value of ${length} bytes exceeds 65535`);
        out.u16(length);
      }
    } else {
      out.u32(length);
    }
    out.bytes(value);
  }
}

/** Items of a sequence, each of defined length. */
function encodeItems(items: DataElement[][], explicitVr: boolean): Uint8Array {
  const out = new ByteWriter();
  for (const item of items) {
    const inner = new ByteWriter();
    writeElements(inner, item, explicitVr);
    out.u16(ITEM >>> 16);
    out.u16(ITEM & 0xffff);
    out.u32(inner.length);
    out.bytes(inner.result());
  }
  return out.result();
}

/**
 * Encapsulated pixel data (PS3.5 A.4): a Basic Offset Table item holding the one frame's offset
 * (0), one fragment padded to even length, and the sequence delimiter.
 */
export function encapsulate(frame: Uint8Array): Uint8Array {
  const out = new ByteWriter();
  const fragment = evenLength(frame);
  out.u16(ITEM >>> 16);
  out.u16(ITEM & 0xffff);
  out.u32(4);
  out.u32(0);
  out.u16(ITEM >>> 16);
  out.u16(ITEM & 0xffff);
  out.u32(fragment.length);
  out.bytes(fragment);
  out.u16(SEQUENCE_DELIMITER >>> 16);
  out.u16(SEQUENCE_DELIMITER & 0xffff);
  out.u32(0);
  return out.result();
}

function hex(t: number): string {
  return `${(t >>> 16).toString(16).padStart(4, "0")},${(t & 0xffff).toString(16).padStart(4, "0")}`.toUpperCase();
}
