import { readSync } from "node:fs";

/**
 * Random access to the bytes of one file: in memory, or read on demand through a file
 * descriptor. The header and pixel-data walkers read through this, so the same code decides on
 * a file held in memory and on one that is only opened (and refused before being read whole).
 */
export interface ByteSource {
  /** Length of the file in bytes. */
  readonly size: number;
  /** Bytes [position, position + length), clipped at the end of the file. */
  read(position: number, length: number): Uint8Array;
}

export function memorySource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: (position, length) => bytes.subarray(position, Math.min(bytes.length, position + length)),
  };
}

/** How much a file source reads at a time: item headers are 8 bytes, so small reads are buffered. */
const WINDOW = 64 * 1024;

/**
 * A source over an open file descriptor of `size` bytes. Reads go through one window of 64 KiB
 * (or the length asked, when larger), so walking thousands of 8-byte item headers costs few
 * system calls, and memory stays bounded by the largest single read.
 */
export function fileSource(fd: number, size: number): ByteSource {
  let windowStart = 0;
  let window = new Uint8Array(0);
  return {
    size,
    read(position, length) {
      const end = Math.min(size, position + length);
      if (position >= windowStart && end <= windowStart + window.length) return window.subarray(position - windowStart, end - windowStart);
      const want = Math.max(WINDOW, end - position);
      const buffer = new Uint8Array(Math.min(want, Math.max(0, size - position)));
      let got = 0;
      while (got < buffer.length) {
        const n = readSync(fd, buffer, got, buffer.length - got, position + got);
        if (n === 0) break; // the file shrank while being read: what is there is all there is
        got += n;
      }
      windowStart = position;
      window = buffer.subarray(0, got);
      return window.subarray(0, Math.max(0, Math.min(got, end - position)));
    },
  };
}
