import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readCheckpointFile, writeCheckpointFile } from "../../../lib/train/checkpoint-file.ts";

const dir = mkdtempSync(join(tmpdir(), "ckpt-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("writeCheckpointFile then readCheckpointFile returns the header and bit-identical blobs", () => {
  const path = join(dir, "a.ckpt");
  const blobs = [Float32Array.from([1.5, -0, Number.NaN, 3e-39]), new Float32Array(0), Float32Array.from([7])];
  writeCheckpointFile(path, { epoch: 3, name: "x" }, blobs);
  const back = readCheckpointFile(path);
  expect(back.header).toEqual({ epoch: 3, name: "x" });
  expect(back.blobs.map((b) => [...new Uint8Array(b.buffer)])).toEqual(blobs.map((b) => [...new Uint8Array(b.buffer)]));
});

test("readCheckpointFile names the file when it is truncated or foreign", () => {
  const path = join(dir, "b.ckpt");
  writeCheckpointFile(path, { epoch: 1 }, [new Float32Array(100)]);
  const bytes = Bun.file(path).bytes();
  return bytes.then((b) => {
    writeFileSync(path, b.subarray(0, b.length - 8));
    expect(() => readCheckpointFile(path)).toThrow(`damaged checkpoint ${path}: blob of 100 floats runs past the end`);
    writeFileSync(path, "hello");
    expect(() => readCheckpointFile(path)).toThrow("wrong magic");
    expect(() => readCheckpointFile(join(dir, "none.ckpt"))).toThrow("missing checkpoint");
  });
});
