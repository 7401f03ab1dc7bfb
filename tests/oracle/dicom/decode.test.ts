import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { decodeDicom, readDicomTags } from "../../../lib/dicom/index.ts";
import { stream } from "../../../lib/rng/index.ts";
import { mutate, outcome } from "../../unit/dicom/mutate.ts";
import { makeOracleFixtures } from "./fixtures.ts";

const fixtures = await makeOracleFixtures();
afterAll(() => fixtures.cleanup());

async function decode(path: string): Promise<number[]> {
  return Array.from((await decodeDicom(readFileSync(path), path)).pixels);
}

describe("decodeDicom on files written by pydicom", () => {
  test.each(fixtures.bases.map((b) => [b.name, b] as const))("%s: modality values equal pydicom's", async (_name, base) => {
    expect(await decode(base.path)).toEqual(fixtures.pydicom[base.path]!.pixels);
  });
});

describe("decodeDicom on files compressed by dcmtk / GDCM", () => {
  test.each(fixtures.compressed.map((c) => [c.label, c] as const))("%s equals the reference decoding", async (_label, c) => {
    const reference = fixtures.pydicom[c.referencePath]!;
    expect(reference.transferSyntaxUid).not.toBe(c.transferSyntax); // really decompressed
    const ours = await decodeDicom(readFileSync(c.path), c.path);
    expect(ours.tags.transferSyntaxUid).toBe(c.transferSyntax);
    expect(Array.from(ours.pixels)).toEqual(reference.pixels);
    // Lossless: the round trip through the outside encoder gives back pydicom's original values.
    if (!c.lossy) expect(reference.pixels).toEqual(fixtures.pydicom[c.base.path]!.pixels);
  });
});

describe("readDicomTags on files written by pydicom and compressed by dcmtk / GDCM", () => {
  test.each([...fixtures.bases.map((b) => [b.name, b.path, b.path] as const), ...fixtures.compressed.map((c) => [c.label, c.path, c.base.path] as const)])(
    "%s: tags equal pydicom's",
    (_label, path, originalPath) => {
      const expected = fixtures.pydicom[originalPath]!;
      const tags = readDicomTags(readFileSync(path), path);
      expect({
        rows: tags.rows,
        columns: tags.columns,
        photometricInterpretation: tags.photometricInterpretation,
        patientId: tags.patientId,
        accessionNumber: tags.accessionNumber,
        viewPosition: tags.viewPosition,
        imageLaterality: tags.imageLaterality,
      }).toEqual({
        rows: expected.rows,
        columns: expected.columns,
        photometricInterpretation: expected.photometricInterpretation,
        patientId: expected.patientId,
        accessionNumber: expected.accessionNumber,
        viewPosition: expected.viewPosition,
        imageLaterality: expected.imageLaterality,
      });
    },
  );
});

describe("decodeDicom on damaged copies of the dcmtk / GDCM files", () => {
  test("1200 seeded mutations of JPEG lossless, JPEG-LS, RLE and JPEG 2000 files end in a DicomError or an image", async () => {
    const sources = ["dcmtk-jpeg-lossless-p14-sv6", "dcmtk-jpeg-ls", "dcmtk-rle", "gdcm-jpeg2000"].map((variant) => {
      const c = fixtures.compressed.find((f) => f.variant === variant && f.base.name === "s12_m1_explicit")!;
      return readFileSync(c.path);
    });
    const rng = stream(1, "fuzz");
    const counts = { decoded: 0, rejected: 0 };
    for (let i = 0; i < 1200; i++) counts[await outcome(mutate(sources[i % sources.length]!, rng), `fuzz-${i}.dcm`)]++;
    expect(counts.decoded).toBeGreaterThan(50);
    expect(counts.rejected).toBeGreaterThan(300);
  }, 30_000);
});
