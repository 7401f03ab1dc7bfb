import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeDicom } from "../../../lib/dicom/index.ts";
import { TRANSFER_SYNTAX_UID } from "../../../lib/dicom/write/index.ts";
import { runTask } from "../../../lib/task/index.ts";
import type { GeneratedAccession } from "../../../lib/synth/index.ts";

/**
 * A small synthetic cohort read by independent implementations (apt: dcmtk libgdcm-tools
 * python3-pydicom python3-numpy): every file decodes with GDCM (and dcmtk / pydicom where they
 * read the transfer syntax) to the same stored values as the project's decoder, and its header
 * agrees with synth.json and the archive layout.
 */

interface OracleResult {
  dcm: string;
  transfer_syntax: string;
  tags: Record<string, string | number | null>;
  decoders: Record<string, string>;
}

let dir: string;
let accessions: GeneratedAccession[] = [];
let results: OracleResult[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "synth-cohort-oracle-"));
  await runTask("synth", { outdir: dir, accessions: 15, seed: 11, imageSize: 64 }, { quiet: true });
  accessions = (JSON.parse(readFileSync(join(dir, "synth.json"), "utf8")) as { accessions: GeneratedAccession[] }).accessions;
  const cases = [];
  for (const a of accessions) {
    for (const image of a.images) {
      const dcm = join(dir, image.path);
      const { pixels, tags } = await decodeDicom(new Uint8Array(readFileSync(dcm)), dcm);
      // Back to stored values, which the oracle compares against its own decoders.
      const stored = Array.from(pixels, (v) => Math.round((v - tags.rescaleIntercept) / tags.rescaleSlope));
      const raw = `${dcm}.raw`;
      const dtype = tags.bitsAllocated === 8 ? "uint8" : tags.pixelRepresentation ? "int16" : "uint16";
      const typed = dtype === "uint8" ? Uint8Array.from(stored) : dtype === "int16" ? Int16Array.from(stored) : Uint16Array.from(stored);
      writeFileSync(raw, new Uint8Array(typed.buffer));
      cases.push({ dcm, raw, dtype });
    }
  }
  const proc = Bun.spawnSync(["/usr/bin/python3", join(import.meta.dir, "decode_oracle.py")], { stdin: Buffer.from(JSON.stringify(cases)) });
  if (proc.exitCode !== 0) throw new Error(`decode oracle failed (apt install dcmtk libgdcm-tools python3-pydicom python3-numpy): ${proc.stderr.toString()}`);
  results = JSON.parse(proc.stdout.toString()) as OracleResult[];
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("synth cohort against GDCM, dcmtk and pydicom", () => {
  test("synth cohort files all decode, with every independent decoder, to the project decoder's stored values", () => {
    expect(results.length).toBe(accessions.reduce((s, a) => s + a.images.length, 0));
    for (const r of results) {
      expect(Object.keys(r.decoders)).toContain("gdcmconv");
      for (const [decoder, verdict] of Object.entries(r.decoders)) expect(`${r.dcm} ${decoder}: ${verdict}`).toBe(`${r.dcm} ${decoder}: ok`);
    }
  });

  test("synth cohort headers (pydicom) match synth.json and the archive/<AccessionNumber>/ folder", () => {
    const byPath = new Map(results.map((r) => [r.dcm, r]));
    for (const a of accessions) {
      for (const image of a.images) {
        const r = byPath.get(join(dir, image.path));
        expect({ path: image.path, ts: r?.transfer_syntax, ...r?.tags }).toMatchObject({
          path: image.path,
          ts: TRANSFER_SYNTAX_UID[a.encoding],
          AccessionNumber: image.path.split("/")[1] as string,
          PatientID: a.patientId,
          Modality: "MG",
          ViewPosition: image.viewPosition,
          ImageLaterality: image.laterality,
          Manufacturer: a.manufacturer,
          PhotometricInterpretation: a.photometric,
          BitsStored: a.bitsStored,
          PixelRepresentation: a.pixelRepresentation,
        });
      }
    }
  });
});
