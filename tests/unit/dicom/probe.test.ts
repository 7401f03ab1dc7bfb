import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { closeSync, ftruncateSync, mkdirSync, openSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { auditArchive, checkFile } from "../../../lib/dataset/index.ts";
import { DicomError, fileSource, readLayout, type ByteSource } from "../../../lib/dicom/index.ts";
import { tempDir, tinyDicom } from "../dataset/fixtures.ts";

const GiB = 2 ** 30;
let tmp: ReturnType<typeof tempDir>;
const files: Record<string, { path: string; size: number }> = {};

/** `head`, then zeros up to `size` bytes: a sparse file (ftruncate), so no gigabyte is written. */
function sparse(name: string, head: Uint8Array, size: number): void {
  const path = join(tmp.dir, "archive", "000001", `${name}.dcm`);
  mkdirSync(join(tmp.dir, "archive", "000001"), { recursive: true });
  const fd = openSync(path, "w");
  try {
    writeSync(fd, head);
    ftruncateSync(fd, size);
  } finally {
    closeSync(fd);
  }
  files[name] = { path, size };
}

beforeAll(async () => {
  tmp = tempDir("probe-");
  const native = await tinyDicom({ seed: 1 });
  const jpegLs = await tinyDicom({ seed: 2, encoding: "jpeg-ls" });
  const pixelTag = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).lastIndexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00]));
  // What an interrupted, preallocated copy leaves: 132 bytes (preamble + "DICM"), then zeros.
  sparse("preamble-then-zeros-3GiB", native.subarray(0, 132), 3 * GiB);
  // The header up to the Pixel Data element, then zeros.
  sparse("header-then-zeros-1GiB", jpegLs.subarray(0, pixelTag(jpegLs)), GiB);
  // The encapsulated Pixel Data element's own header, then zeros where its items should be.
  sparse("pixel-header-then-zeros-1GiB", jpegLs.subarray(0, pixelTag(jpegLs) + 12), GiB);
  // A whole native file, then zeros: the pixel data are well formed, the copy was never finished.
  sparse("native-then-zeros-1GiB", native, GiB);
});

afterAll(() => tmp.cleanup());

/** A source that counts the bytes asked of the file. */
function counting(inner: ByteSource): ByteSource & { bytesRead: number } {
  const out = {
    size: inner.size,
    bytesRead: 0,
    read(position: number, length: number) {
      const bytes = inner.read(position, length);
      out.bytesRead += bytes.length;
      return bytes;
    },
  };
  return out;
}

describe("readLayout(fileSource) on zero-filled files", () => {
  for (const name of ["preamble-then-zeros-3GiB", "header-then-zeros-1GiB", "pixel-header-then-zeros-1GiB", "native-then-zeros-1GiB"]) {
    test(`readLayout refuses ${name} as truncated after reading at most 128 KiB of it`, () => {
      const { path, size } = files[name] as { path: string; size: number };
      expect(statSync(path).size).toBe(size);
      const fd = openSync(path, "r");
      const source = counting(fileSource(fd, size));
      let caught: unknown;
      try {
        readLayout(source, path);
      } catch (err) {
        caught = err;
      } finally {
        closeSync(fd);
      }
      expect(caught).toBeInstanceOf(DicomError);
      expect((caught as DicomError).reason).toBe("truncated");
      expect((caught as DicomError).message).toContain(path);
      expect(source.bytesRead).toBeLessThanOrEqual(128 * 1024);
    });
  }
});

describe("checkFile / auditArchive on zero-filled files", () => {
  test("checkFile refuses a 3 GiB zero-filled file without reading it whole (no SHA-256 computed)", async () => {
    const { path } = files["preamble-then-zeros-3GiB"] as { path: string };
    const verdict = await checkFile({ file: path, cacheDir: null, writable: false, preprocess: null, returnEntry: false });
    expect(verdict).toMatchObject({ readable: false, reason: "truncated", sha256: "" });
    expect(verdict.readable ? "" : verdict.message).toContain("only the first 132 written?");
  });

  test("auditArchive lists every zero-filled file as truncated", async () => {
    const csv = tmp.write("classificacao.csv", "AccessionNumber,Classification\n000001,2\n");
    const report = await auditArchive({ csv, dicomRoot: join(tmp.dir, "archive"), cacheDir: null });
    expect(report.files.map((f) => [f.path, f.readable, f.reason])).toEqual(
      Object.keys(files)
        .sort()
        .map((name) => [`000001/${name}.dcm`, false, "truncated"]),
    );
  });
});
