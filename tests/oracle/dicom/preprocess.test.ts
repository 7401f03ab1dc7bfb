import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadPreprocessed } from "../../../lib/dicom/index.ts";
import { makeBases } from "./fixtures.ts";

// The numpy pipeline of bench/dicom_pydicom.py is the reference: np.percentile, an explicit
// inversion, clip, and resampling as dense weight matrices.
const dir = mkdtempSync(join(tmpdir(), "dicom-preprocess-oracle-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const bases = makeBases(dir);

function numpyPreprocess(size: number): Record<string, number[]> {
  const run = Bun.spawnSync(["/usr/bin/python3", join(import.meta.dir, "../../../bench/dicom_pydicom.py"), "dump", String(size), ...bases.map((b) => b.path)]);
  if (run.exitCode !== 0) throw new Error(`dicom_pydicom.py dump failed: ${run.stderr.toString()}`);
  return JSON.parse(run.stdout.toString()) as Record<string, number[]>;
}

describe("loadPreprocessed(file, {window: 'percentile'}) against numpy on 64×48 images", () => {
  test.each([
    [32, "area, ratio 1.5"],
    [48, "no resampling, centre crop 64 → 48"],
    [100, "bilinear enlargement"],
  ])("imgSize %i (%s)", async (size) => {
    const expected = numpyPreprocess(size);
    for (const base of bases) {
      const ours = await loadPreprocessed(base.path, { imgSize: size, window: "percentile" });
      const reference = expected[base.path]!;
      expect(ours.length).toBe(reference.length);
      let worst = 0;
      for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i]! - reference[i]!));
      expect(worst).toBeLessThan(1e-5);
    }
  });
});
