import { createHash } from "node:crypto";

/**
 * One preprocessed image on disk. Little-endian layout, 80-byte header then the payload:
 *
 *   0  "MDPC"            magic
 *   4  u16 version       CACHE_FORMAT_VERSION
 *   6  u16 dtype         1 = Uint16 quantised to [0, 1], 2 = Float32
 *   8  u32 width, 12 u32 height
 *  16  32 bytes          the cache key (SHA-256) the entry was written for
 *  48  32 bytes          SHA-256 of the payload
 *  80  payload           width × height values, row-major
 *
 * Uint16 is the normal payload: preprocessed pixels lie in [0, 1] and q = round(v × 65535)
 * keeps them within 7.7e-6 (1/131070), finer than the 12–16 bits mammograms are stored with,
 * at half the disk and read bandwidth of Float32 (a 512² image is 512 KiB instead of 1 MiB).
 * An image with a value outside [0, 1] or not finite is stored as Float32, exactly.
 * Every load (hit or miss) returns the values read back from this format, so a cold and a warm
 * cache give bit-identical inputs.
 */
export const CACHE_FORMAT_VERSION = 1;

const MAGIC = [0x4d, 0x44, 0x50, 0x43]; // "MDPC"
const HEADER_BYTES = 80;
const DTYPE_U16 = 1;
const DTYPE_F32 = 2;

function hexToBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, "hex"));
}

function digest(bytes: Uint8Array): Uint8Array {
  return createHash("sha256").update(bytes).digest();
}

function fitsUnorm(pixels: Float32Array): boolean {
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i] as number;
    if (!(v >= 0 && v <= 1)) return false;
  }
  return true;
}

/** Serialises `pixels` (width × height) as a cache entry for `key` (64 hex digits). */
export function encodeEntry(key: string, width: number, height: number, pixels: Float32Array): Uint8Array {
  if (pixels.length !== width * height) throw new Error(`cache entry: ${pixels.length} pixels for ${width}×${height}`);
  const u16 = fitsUnorm(pixels);
  const payloadBytes = pixels.length * (u16 ? 2 : 4);
  const out = new Uint8Array(HEADER_BYTES + payloadBytes);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint16(4, CACHE_FORMAT_VERSION, true);
  view.setUint16(6, u16 ? DTYPE_U16 : DTYPE_F32, true);
  view.setUint32(8, width, true);
  view.setUint32(12, height, true);
  out.set(hexToBytes(key), 16);
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i] as number;
    if (u16) view.setUint16(HEADER_BYTES + 2 * i, Math.round(v * 65535), true);
    else view.setFloat32(HEADER_BYTES + 4 * i, v, true);
  }
  out.set(digest(out.subarray(HEADER_BYTES)), 48);
  return out;
}

/** Bytes of an entry's header: what `checkEntryHeader` reads. */
export const ENTRY_HEADER_BYTES = HEADER_BYTES;

/**
 * Checks an entry's header and its length without reading the payload: magic, version, payload
 * type, the expected size, the key it was written for, and that the file (`length` bytes) holds
 * the whole payload. Returns the problem, or null. A flipped payload bit passes: see `checkEntry`.
 */
export function checkEntryHeader(header: Uint8Array, length: number, key: string, size: number): string | null {
  if (header.length < HEADER_BYTES || length < HEADER_BYTES) return `${Math.min(header.length, length)} bytes, shorter than the ${HEADER_BYTES}-byte header`;
  if (MAGIC.some((b, i) => header[i] !== b)) return "bad magic";
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const version = view.getUint16(4, true);
  if (version !== CACHE_FORMAT_VERSION) return `format version ${version}, expected ${CACHE_FORMAT_VERSION}`;
  const dtype = view.getUint16(6, true);
  if (dtype !== DTYPE_U16 && dtype !== DTYPE_F32) return `unknown payload type ${dtype}`;
  const width = view.getUint32(8, true);
  const height = view.getUint32(12, true);
  if (width !== size || height !== size) return `size ${width}×${height}, expected ${size}×${size}`;
  if (Buffer.from(header.subarray(16, 48)).toString("hex") !== key) return "written for another key";
  const expected = HEADER_BYTES + width * height * (dtype === DTYPE_U16 ? 2 : 4);
  if (length !== expected) return `length ${length} bytes, expected ${expected}`;
  return null;
}

/**
 * Verifies a cache entry without converting its payload: its header and length
 * (`checkEntryHeader`), then the payload's SHA-256. Returns the problem, or null.
 */
export function checkEntry(bytes: Uint8Array, key: string, size: number): string | null {
  const problem = checkEntryHeader(bytes.subarray(0, HEADER_BYTES), bytes.length, key, size);
  if (problem !== null) return problem;
  const sum = digest(bytes.subarray(HEADER_BYTES));
  if (sum.some((b, i) => bytes[48 + i] !== b)) return "payload checksum mismatch";
  return null;
}

/** A decoded entry, or why it cannot be used. */
export type EntryRead = { ok: true; pixels: Float32Array } | { ok: false; problem: string };

/** Verifies (see `checkEntry`) and decodes a cache entry of a `size`×`size` image for `key`. */
export function decodeEntry(bytes: Uint8Array, key: string, size: number): EntryRead {
  const problem = checkEntry(bytes, key, size);
  if (problem !== null) return { ok: false, problem };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = view.getUint16(6, true) === DTYPE_U16;
  const pixels = new Float32Array(size * size);
  for (let i = 0; i < pixels.length; i++) {
    pixels[i] = u16 ? view.getUint16(HEADER_BYTES + 2 * i, true) / 65535 : view.getFloat32(HEADER_BYTES + 4 * i, true);
  }
  return { ok: true, pixels };
}
