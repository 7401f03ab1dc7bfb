// DICOM decode + preprocess throughput, ours vs pydicom + numpy (bench/dicom_pydicom.py), on the
// same synthetic files in one run, one core each.
//
//   bun bench/dicom.ts [images=20] [width=2000] [height=2500]
//
// Needs /usr/bin/python3 with pydicom and numpy (apt: python3-pydicom python3-numpy).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadPreprocessed } from "../lib/dicom/index.ts";
import { encodeDicom } from "../lib/dicom/write/index.ts";
import type { DicomEncoding } from "../lib/dicom/write/index.ts";
import { stream } from "../lib/rng/index.ts";

const [images = 20, width = 2000, height = 2500] = process.argv.slice(2).map(Number);
const IMG_SIZE = 256;
const ENCODINGS: DicomEncoding[] = ["explicit-le", "rle"];

/** A mammogram-like 12-bit image: a bright disc fading to the edge, plus noise. */
function syntheticPixels(seed: number): Uint16Array {
  const rng = stream(1, `bench/dicom/${seed}`);
  const out = new Uint16Array(width * height);
  const cx = width * (0.2 + 0.1 * rng.float());
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const r = Math.hypot((x - cx) / width, (y - height / 2) / height) * 2.2;
      const tissue = r < 1 ? 2600 * Math.sqrt(1 - r * r) : 0;
      out[y * width + x] = Math.max(0, Math.min(4095, Math.round(300 + tissue + 40 * rng.normal())));
    }
  }
  return out;
}

async function writeFiles(dir: string, encoding: DicomEncoding): Promise<string[]> {
  const files: string[] = [];
  for (let i = 0; i < images; i++) {
    const bytes = await encodeDicom({
      width,
      height,
      bitsStored: 12,
      pixelRepresentation: 0,
      photometric: i % 2 === 0 ? "MONOCHROME2" : "MONOCHROME1",
      pixels: syntheticPixels(i),
      encoding,
      tags: {
        patientId: `P${i}`,
        accessionNumber: String(i).padStart(6, "0"),
        studyInstanceUid: `1.2.3.${i}`,
        seriesInstanceUid: `1.2.3.${i}.1`,
        sopInstanceUid: `1.2.3.${i}.1.1`,
        viewPosition: "CC",
        imageLaterality: "L",
        manufacturer: "Bench",
      },
    });
    const file = join(dir, `${encoding}_${i}.dcm`);
    await writeFile(file, bytes);
    files.push(file);
  }
  return files;
}

async function timeOurs(files: string[]): Promise<number> {
  await loadPreprocessed(files[0]!, { imgSize: IMG_SIZE, window: "percentile" }); // codec start-up and JIT warm-up
  const start = performance.now();
  for (const file of files) await loadPreprocessed(file, { imgSize: IMG_SIZE, window: "percentile" });
  return (performance.now() - start) / 1000;
}

function timePydicom(files: string[]): number {
  const single = { OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" };
  const run = Bun.spawnSync(["/usr/bin/python3", join(import.meta.dir, "dicom_pydicom.py"), "time", String(IMG_SIZE), ...files], {
    env: { ...process.env, ...single },
  });
  if (run.exitCode !== 0) throw new Error(`dicom_pydicom.py failed: ${run.stderr.toString()}`);
  return (JSON.parse(run.stdout.toString()) as { seconds: number }).seconds;
}

const dir = await mkdtemp(join(tmpdir(), "bench-dicom-"));
try {
  console.log(`${images} files of ${width}×${height}, 12 bits stored, → ${IMG_SIZE}×${IMG_SIZE}; one core each`);
  console.log("encoding     ours img/s  pydicom img/s  ratio");
  for (const encoding of ENCODINGS) {
    const files = await writeFiles(dir, encoding);
    const ours = images / (await timeOurs(files));
    const peer = images / timePydicom(files);
    console.log(`${encoding.padEnd(12)} ${ours.toFixed(2).padStart(10)}  ${peer.toFixed(2).padStart(13)}  ${(ours / peer).toFixed(2)}×`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
