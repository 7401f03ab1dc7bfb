import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { embeddingsFor, loadEmbeddings, parseNpy } from "../../../lib/train/embeddings.ts";

const dir = mkdtempSync(join(tmpdir(), "emb-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A version-1.0 .npy file, header padded with spaces to a multiple of 64 as numpy writes it. */
function npy(descr: string, shape: [number, number], values: number[], fortran = false): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? "True" : "False"}, 'shape': (${shape[0]}, ${shape[1]}), }`;
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, " ") + "\n";
  const item = descr === "<f8" ? 8 : 4;
  const out = new Uint8Array(10 + header.length + values.length * item);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  values.forEach((v, i) => (item === 8 ? view.setFloat64(10 + header.length + 8 * i, v, true) : view.setFloat32(10 + header.length + 4 * i, v, true)));
  return out;
}

test("parseNpy reads a 2×3 '<f4' C-order array row by row", () => {
  const m = parseNpy(npy("<f4", [2, 3], [1, 2, 3, 4, 5, 6]), "x.npy");
  expect([m.rows, m.cols, ...m.data]).toEqual([2, 3, 1, 2, 3, 4, 5, 6]);
});

test("parseNpy reads '<f8' Fortran order (column by column) into row-major float32", () => {
  // Column-major storage of [[1,2,3],[4,5,6]] is 1,4,2,5,3,6.
  const m = parseNpy(npy("<f8", [2, 3], [1, 4, 2, 5, 3, 6], true), "x.npy");
  expect([...m.data]).toEqual([1, 2, 3, 4, 5, 6]);
});

test("parseNpy rejects other dtypes and truncated data, naming the file", () => {
  expect(() => parseNpy(npy("<i4", [1, 1], [1]), "f.npy")).toThrow("f.npy: unsupported dtype <i4");
  expect(() => parseNpy(npy("<f4", [2, 2], [1, 2, 3]), "f.npy")).toThrow("f.npy: truncated");
  expect(() => parseNpy(new Uint8Array(20), "f.npy")).toThrow("not a .npy file");
});

test("loadEmbeddings averages the rows of each accession; embeddingsFor names missing accessions", () => {
  writeFileSync(join(dir, "features.npy"), npy("<f4", [3, 2], [1, 2, 3, 4, 10, 20]));
  writeFileSync(join(dir, "metadata.csv"), "idx,AccessionNumber,Classification,dicom_path\n0,000123,2,a.dcm\n1,000123,2,b.dcm\n2,7,3,c.dcm\n");
  const e = loadEmbeddings(dir);
  expect(e.dim).toBe(2);
  expect([...(e.byAccession.get("000123") ?? [])]).toEqual([2, 3]);
  expect(embeddingsFor(e, ["7", "000123"], dir).map((v) => [...v])).toEqual([
    [10, 20],
    [2, 3],
  ]);
  expect(() => embeddingsFor(e, ["123"], dir)).toThrow("no embedding for 1 accession(s): 123");
});
