import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TaskError } from "../../../lib/errors/index.ts";
import { decodeDicom, loadPreprocessed, preprocess } from "../../../lib/dicom/index.ts";
import type { DecodedImage, DicomTags } from "../../../lib/dicom/index.ts";
import { imageFile } from "./build.ts";

function tags(overrides: Partial<DicomTags> = {}): DicomTags {
  return {
    patientId: null,
    accessionNumber: null,
    studyInstanceUid: null,
    viewPosition: null,
    imageLaterality: null,
    manufacturer: null,
    photometricInterpretation: "MONOCHROME2",
    transferSyntaxUid: "1.2.840.10008.1.2.1",
    rows: 0,
    columns: 0,
    bitsAllocated: 16,
    bitsStored: 16,
    pixelRepresentation: 0,
    rescaleSlope: 1,
    rescaleIntercept: 0,
    windowCenter: null,
    windowWidth: null,
    ...overrides,
  };
}

function image(width: number, height: number, values: ArrayLike<number>, overrides: Partial<DicomTags> = {}): DecodedImage {
  return { tags: tags({ rows: height, columns: width, ...overrides }), width, height, pixels: Float32Array.from(values) };
}

/** VOI window mapping [0, 100] linearly onto [0, 1] (DICOM: c − ½ ∓ (w − 1)/2 = 0, 100). */
const PER_CENT = { windowCenter: 50.5, windowWidth: 101 };

function expectClose(actual: Float32Array, expected: number[], digits = 6): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((v, i) => expect(actual[i]!).toBeCloseTo(v, digits));
}

describe("preprocess(image, {window: 'percentile'})", () => {
  // A 3 × 67 ramp 0..200: p0.5 = 1 and p99.5 = 199 exactly (positions 1 and 199 of 201).
  const ramp = image(3, 67, Array.from({ length: 201 }, (_, i) => i));
  const centre = [96, 97, 98, 99, 100, 101, 102, 103, 104]; // rows 32–34, the centre crop of 67 rows

  test("maps p0.5 → 0 and p99.5 → 1 linearly, and crops the centre of the long side", () => {
    expectClose(preprocess(ramp, { imgSize: 3, window: "percentile" }), centre.map((v) => (v - 1) / 198));
  });

  test("inverts MONOCHROME1 (max − value before the window = 1 − windowed value)", () => {
    const inverted = { ...ramp, tags: tags({ photometricInterpretation: "MONOCHROME1" }) };
    expectClose(preprocess(inverted, { imgSize: 3, window: "percentile" }), centre.map((v) => (199 - v) / 198));
  });

  test("clips outside the window: [0, 100, 100, 1000] → p0.5 = 1.5, p99.5 = 986.5", () => {
    expectClose(preprocess(image(2, 2, [0, 100, 100, 1000]), { imgSize: 2, window: "percentile" }), [0, 0.1, 0.1, 1]);
  });

  test("falls back to min/max when p0.5 = p99.5", () => {
    const mostlyFive = Array.from({ length: 400 }, (_, i) => (i === 0 ? 0 : i === 399 ? 10 : 5));
    const out = preprocess(image(20, 20, mostlyFive), { imgSize: 20, window: "percentile" });
    expect([out[0], out[1], out[399]]).toEqual([0, 0.5, 1]);
  });

  test("a constant image gives zeros, MONOCHROME1 too", () => {
    expect(Array.from(preprocess(image(2, 2, [7, 7, 7, 7]), { imgSize: 2, window: "percentile" }))).toEqual([0, 0, 0, 0]);
    const m1 = image(2, 2, [7, 7, 7, 7], { photometricInterpretation: "MONOCHROME1" });
    expect(Array.from(preprocess(m1, { imgSize: 2, window: "percentile" }))).toEqual([0, 0, 0, 0]);
  });

  test("rejects an imgSize that is not a positive integer", () => {
    expect(() => preprocess(ramp, { imgSize: 0, window: "percentile" })).toThrow(TaskError);
    expect(() => preprocess(ramp, { imgSize: 2.5, window: "percentile" })).toThrow("invalid imgSize: 2.5");
  });
});

describe("preprocess(image, {window: 'voi'})", () => {
  test("uses WindowCenter/Width with the DICOM linear function: c 100, w 51 → [74.5, 124.5]", () => {
    const out = preprocess(image(2, 2, [0, 100, 100, 1000], { windowCenter: 100, windowWidth: 51 }), { imgSize: 2, window: "voi" });
    expectClose(out, [0, 0.51, 0.51, 1]);
  });

  test("inverts MONOCHROME1 after the window", () => {
    const m1 = image(2, 2, [0, 100, 100, 1000], { windowCenter: 100, windowWidth: 51, photometricInterpretation: "MONOCHROME1" });
    expectClose(preprocess(m1, { imgSize: 2, window: "voi" }), [1, 0.49, 0.49, 0]);
  });

  test("falls back to the percentile window when the file has none", () => {
    expectClose(preprocess(image(2, 2, [0, 100, 100, 1000]), { imgSize: 2, window: "voi" }), [0, 0.1, 0.1, 1]);
  });
});

describe("preprocess resizing", () => {
  const opts = (imgSize: number) => ({ imgSize, window: "voi" as const });

  test("4×4 → 2 averages 2×2 blocks", () => {
    const out = preprocess(image(4, 4, [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 0, 0, 0, 0, 0], PER_CENT), opts(2));
    expectClose(out, [0.25, 0.45, 0.425, 0.25]);
  });

  test("3×3 → 2 weighs partly covered pixels by their covered fraction", () => {
    const out = preprocess(image(3, 3, [0, 10, 20, 30, 40, 50, 60, 70, 80], PER_CENT), opts(2));
    // Output (0,0) covers [0, 1.5)²: weights 1, ½, ½, ¼ over an area of 2.25.
    const p = (x: number, y: number) => [0, 10, 20, 30, 40, 50, 60, 70, 80][y * 3 + x]!;
    const first = (p(0, 0) + 0.5 * p(1, 0) + 0.5 * p(0, 1) + 0.25 * p(1, 1)) / 2.25 / 100;
    const last = (0.25 * p(1, 1) + 0.5 * p(2, 1) + 0.5 * p(1, 2) + p(2, 2)) / 2.25 / 100;
    expect(out[0]!).toBeCloseTo(first, 6);
    expect(out[3]!).toBeCloseTo(last, 6);
  });

  test("6×4 → 2 scales the short side (4 → 2, 6 → 3) then keeps the first two of three columns", () => {
    const values = [0, 0, 20, 20, 40, 40, 0, 0, 20, 20, 40, 40, 100, 100, 60, 60, 80, 80, 100, 100, 60, 60, 80, 80];
    expectClose(preprocess(image(6, 4, values, PER_CENT), opts(2)), [0, 0.2, 1, 0.6]);
  });

  test("4 wide × 6 tall at imgSize 4 keeps rows 1–4", () => {
    const out = preprocess(image(4, 6, Array.from({ length: 24 }, (_, i) => i), PER_CENT), opts(4));
    expectClose(out, Array.from({ length: 16 }, (_, i) => (i + 4) / 100));
  });

  test("2×2 → 4 interpolates bilinearly between pixel centres, clamping at the edges", () => {
    const out = preprocess(image(2, 2, [0, 100, 0, 100], PER_CENT), opts(4));
    expectClose(out, [0, 0.25, 0.75, 1, 0, 0.25, 0.75, 1, 0, 0.25, 0.75, 1, 0, 0.25, 0.75, 1]);
  });

  test.each([
    [3328, 4096],
    [1000, 1234],
  ])("a 1-px checkerboard of %i×%i → 256 comes out uniform grey, not moiré", (width, height) => {
    const pixels = new Float32Array(width * height);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) pixels[y * width + x] = (x + y) & 1;
    const out = preprocess({ tags: tags({ rows: height, columns: width }), width, height, pixels }, { imgSize: 256, window: "percentile" });
    expect(out.length).toBe(256 * 256);
    let worst = 0;
    for (const v of out) worst = Math.max(worst, Math.abs(v - 0.5));
    expect(worst).toBeLessThan(0.02);
  });
});

describe("loadPreprocessed(file, options)", () => {
  const dir = mkdtempSync(join(tmpdir(), "dicom-preprocess-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("equals preprocess(decodeDicom(bytes)) of the same file", async () => {
    const bytes = imageFile({ rows: 6, columns: 5, bitsStored: 12, words: Array.from({ length: 30 }, (_, i) => (i * 37) % 4096) });
    const file = join(dir, "a.dcm");
    writeFileSync(file, bytes);
    const options = { imgSize: 4, window: "percentile" as const };
    expect(Array.from(await loadPreprocessed(file, options))).toEqual(Array.from(preprocess(await decodeDicom(bytes, file), options)));
  });

  test("a missing file is a TaskError naming it", async () => {
    const missing = join(dir, "missing.dcm");
    await expect(loadPreprocessed(missing, { imgSize: 4, window: "percentile" })).rejects.toThrow(`cannot read ${missing}`);
  });
});
