import { describe, expect, test } from "bun:test";
import { decodeDicom } from "../../../lib/dicom/index.ts";
import { DICOM_ENCODINGS, encodeDicom, storedRange, type DicomWriteSpec } from "../../../lib/dicom/write/index.ts";
import { stream } from "../../../lib/rng/index.ts";

/** Every depth, sign and photometric the synthetic archive writes (8-bit is never signed). */
const DEPTHS: [8 | 12 | 14 | 16, 0 | 1, "MONOCHROME1" | "MONOCHROME2"][] = [
  [8, 0, "MONOCHROME1"],
  [12, 0, "MONOCHROME2"],
  [12, 1, "MONOCHROME1"],
  [14, 0, "MONOCHROME2"],
  [16, 0, "MONOCHROME1"],
  [16, 1, "MONOCHROME2"],
];

describe("encodeDicom → decodeDicom", () => {
  for (const encoding of DICOM_ENCODINGS) {
    test(`decodeDicom(encodeDicom({encoding: "${encoding}"})) gives back stored × slope + intercept for 8/12/14/16-bit, signed and unsigned`, async () => {
      for (const [bits, signed, photometric] of DEPTHS) {
        const [lo, hi] = storedRange(bits, signed);
        const rng = stream(3, `round-trip/${encoding}/${bits}/${signed}`);
        const width = 37;
        const height = 11;
        const n = width * height;
        const pixels = bits === 8 ? new Uint8Array(n) : signed ? new Int16Array(n) : new Uint16Array(n);
        for (let i = 0; i < n; i++) pixels[i] = i < width ? lo : i >= n - width ? hi : lo + rng.int(hi - lo + 1);
        const spec: DicomWriteSpec = {
          width,
          height,
          bitsStored: bits,
          pixelRepresentation: signed,
          photometric,
          pixels,
          rescaleSlope: 0.5,
          rescaleIntercept: -1024,
          windowCenter: 100,
          windowWidth: 800,
          encoding,
          tags: {
            patientId: "SYN00001",
            accessionNumber: "000042",
            studyInstanceUid: "2.25.1",
            seriesInstanceUid: "2.25.2",
            sopInstanceUid: "2.25.3",
            viewPosition: "MLO",
            imageLaterality: "R",
            manufacturer: "Synthetic Imaging Gamma",
          },
        };
        const name = `${encoding} ${bits}-bit ${signed ? "signed" : "unsigned"}`;
        const decoded = await decodeDicom(await encodeDicom(spec), name);
        expect({ name, ...decoded.tags }).toMatchObject({
          name,
          accessionNumber: "000042",
          patientId: "SYN00001",
          photometricInterpretation: photometric,
          bitsStored: bits,
          pixelRepresentation: signed,
          rescaleSlope: 0.5,
          rescaleIntercept: -1024,
          windowCenter: 100,
          windowWidth: 800,
          rows: height,
          columns: width,
        });
        const expected = Array.from(pixels, (v) => v * 0.5 - 1024);
        const mismatch = expected.findIndex((v, i) => decoded.pixels[i] !== v);
        expect({ name, mismatch }).toEqual({ name, mismatch: -1 });
      }
    });
  }
});
