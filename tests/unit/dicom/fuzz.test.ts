import { expect, test } from "bun:test";
import { stream } from "../../../lib/rng/index.ts";
import { encapsulated, imageFile, IMPLICIT_LE, RLE, rleFrame } from "./build.ts";
import { mutate, outcome } from "./mutate.ts";

const seeds = [
  imageFile({ rows: 6, columns: 8, bitsStored: 12, pixelRepresentation: 1, words: Array.from({ length: 48 }, (_, i) => (i * 97) & 0xfff) }),
  imageFile({ rows: 7, columns: 5, bitsAllocated: 8, photometric: "MONOCHROME1", transferSyntax: IMPLICIT_LE }),
  // 4×4, 16 bits: a zero high plane (one run of 16) and a literal low plane.
  imageFile({ rows: 4, columns: 4, transferSyntax: RLE, pixelData: encapsulated([rleFrame([[0xf1, 0], [15, ...Array.from({ length: 16 }, (_, i) => i * 16)]])]) }),
];

test("decodeDicom on 3000 seeded damaged copies of 3 files ends in a DicomError or an image", async () => {
  for (const seed of seeds) expect(await outcome(seed, "seed.dcm")).toBe("decoded");
  const rng = stream(1, "fuzz");
  const counts = { decoded: 0, rejected: 0 };
  for (let i = 0; i < 3000; i++) counts[await outcome(mutate(seeds[i % seeds.length]!, rng), `fuzz-${i}.dcm`)]++;
  // Both outcomes occur: the mutations neither always break nor never break the files.
  expect(counts.decoded).toBeGreaterThan(100);
  expect(counts.rejected).toBeGreaterThan(1000);
}, 20_000);
