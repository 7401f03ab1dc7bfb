import { expect, test } from "bun:test";
import { inflateSync } from "node:zlib";
import { crc32, encodePng } from "../../../lib/train/png.ts";

test("crc32('123456789') is the IEEE check value 0xCBF43926", () => {
  expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
});

/** Splits a PNG into its chunks, checking each CRC. */
function chunks(png: Uint8Array): { type: string; data: Uint8Array }[] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out: { type: string; data: Uint8Array }[] = [];
  let off = 8;
  while (off < png.length) {
    const length = view.getUint32(off);
    const type = new TextDecoder().decode(png.subarray(off + 4, off + 8));
    const data = png.subarray(off + 8, off + 8 + length);
    expect(view.getUint32(off + 8 + length)).toBe(crc32(png.subarray(off + 4, off + 8 + length)));
    out.push({ type, data });
    off += 12 + length;
  }
  return out;
}

test("encodePng(2, 2, rgb, 3) writes signature, IHDR 2x2 truecolour and rows each led by filter byte 0", () => {
  const rgb = new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]);
  const png = encodePng(2, 2, rgb, 3);
  expect([...png.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  const parts = chunks(png);
  expect(parts.map((c) => c.type)).toEqual(["IHDR", "IDAT", "IEND"]);
  expect([...(parts[0]?.data ?? [])]).toEqual([0, 0, 0, 2, 0, 0, 0, 2, 8, 2, 0, 0, 0]);
  const raw = inflateSync(parts[1]?.data ?? new Uint8Array());
  expect([...raw]).toEqual([0, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255, 10, 20, 30]);
});

test("encodePng(3, 1, grey, 1) uses colour type 0 and rejects a wrong byte count", () => {
  const parts = chunks(encodePng(3, 1, new Uint8Array([0, 128, 255]), 1));
  expect(parts[0]?.data[9]).toBe(0);
  expect(() => encodePng(3, 1, new Uint8Array(4), 1)).toThrow("4 bytes for 3x1x1");
});
