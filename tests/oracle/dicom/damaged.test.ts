// Damaged copies of files compressed by dcmtk and GDCM (independent encoders), checked against
// their reference decoding by dcmtk / GDCM: "readable" must never mean "decodes to other pixels",
// and the damage the file structure shows is refused. Fixtures are made at test time.
// apt: python3-pydicom python3-numpy dcmtk libgdcm-tools
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkFile } from "../../../lib/dataset/index.ts";
import { decodeDicom } from "../../../lib/dicom/index.ts";
import { DAMAGES } from "../../unit/dataset/damage.ts";
import { makeOracleFixtures } from "./fixtures.ts";

const fixtures = await makeOracleFixtures();
afterAll(() => fixtures.cleanup());

/** The damages that the item structure shows (the codecs never see these files). */
const STRUCTURAL = new Set(DAMAGES.filter((d) => !d.name.startsWith("codestream")).map((d) => d.name));
const DELIMITER = [0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0];

const cases = fixtures.compressed
  .filter((c) => !c.lossy)
  .flatMap((c) => {
    const good = new Uint8Array(readFileSync(c.path));
    const endsWithDelimiter = DELIMITER.every((b, i) => good[good.length - 8 + i] === b);
    return DAMAGES.filter((d) => d.name !== "missing sequence delimiter" || endsWithDelimiter).map((d) => [`${c.label}: ${d.name}`, c, d] as const);
  });

describe("checkFile on damaged files compressed by dcmtk / GDCM", () => {
  test.each(cases)("%s", async (label, c, damage) => {
    const bytes = damage.apply(new Uint8Array(readFileSync(c.path)));
    const path = join(fixtures.dir, `${label.replace(/[^\w.-]+/g, "_")}.dcm`);
    writeFileSync(path, bytes);
    const verdict = await checkFile({ file: path, cacheDir: null, writable: false, preprocess: null, returnEntry: false });
    if (STRUCTURAL.has(damage.name)) expect(verdict.readable ? "readable" : verdict.reason).toMatch(/^(truncated|corrupt_pixel_data)$/);
    if (verdict.readable) {
      // Readable after damage: then it must still be the image the reference decoder gives.
      const ours = await decodeDicom(bytes, path);
      expect(Array.from(ours.pixels)).toEqual(fixtures.pydicom[c.referencePath]!.pixels);
    }
  });
});
