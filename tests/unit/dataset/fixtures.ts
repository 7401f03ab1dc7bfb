/** Tiny DICOM archives for the dataset tests, written with the project's own encoder. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { encodeDicom, type DicomEncoding } from "../../../lib/dicom/write/index.ts";

export interface TinyImage {
  patientId?: string;
  accession?: string;
  view?: string;
  laterality?: string;
  /** Varies the pixel pattern, so that files differ in content. */
  seed?: number;
  encoding?: DicomEncoding;
}

/** A 16×12, 12-bit MONOCHROME2 mammogram-shaped file. */
export async function tinyDicom(image: TinyImage = {}): Promise<Uint8Array> {
  const width = 16;
  const height = 12;
  const seed = image.seed ?? 1;
  const pixels = new Uint16Array(width * height).map((_, i) => (i * (37 + seed) + seed * 101) % 4096);
  return encodeDicom({
    width,
    height,
    bitsStored: 12,
    pixelRepresentation: 0,
    photometric: "MONOCHROME2",
    pixels,
    tags: {
      patientId: image.patientId ?? "P1",
      accessionNumber: image.accession ?? "000001",
      studyInstanceUid: `1.2.826.0.1.${seed}`,
      seriesInstanceUid: `1.2.826.0.1.${seed}.1`,
      sopInstanceUid: `1.2.826.0.1.${seed}.1.1`,
      viewPosition: image.view ?? "CC",
      imageLaterality: image.laterality ?? "L",
      manufacturer: "TEST",
    },
    encoding: image.encoding ?? "explicit-le",
  });
}

/** The same file with its transfer syntax switched to explicit VR big endian, which the decoder refuses. */
export function withBigEndianSyntax(bytes: Uint8Array): Uint8Array {
  const text = Buffer.from(bytes).toString("latin1");
  const at = text.indexOf("1.2.840.10008.1.2.1\0");
  if (at < 0) throw new Error("explicit little endian transfer syntax not found");
  const out = bytes.slice();
  out.set(Buffer.from("1.2.840.10008.1.2.2\0", "latin1"), at);
  return out;
}

/** A temporary folder, removed by `cleanup`. */
export function tempDir(prefix = "dataset-"): { dir: string; write(rel: string, data: string | Uint8Array): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    write(rel, data) {
      const path = join(dir, rel);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, data);
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
