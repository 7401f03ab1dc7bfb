// What training's start-up check of the preprocessing cache costs (prepareImages on a cache that
// holds every entry): `verify: "entry"` reads each entry whole and hashes its payload, `verify:
// "header"` (what streamed training uses) reads its 80-byte header and its length. Same entries,
// same run, alternating, each `repeats` times; the entries are read from the page cache (the
// machine's memory) unless they do not fit, so this is the smallest saving: on a network file
// system or a cold disk the whole read costs more.
//
//   bun bench/prepare.ts [images=2000] [size=512] [repeats=3]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sha256 } from "../lib/artifacts/index.ts";
import { encodeEntry } from "../lib/dataset/cache-entry.ts";
import { storeEntry } from "../lib/dataset/cache-io.ts";
import { cacheKey } from "../lib/dataset/cache-key.ts";
import { prepareImages, type Sample } from "../lib/dataset/index.ts";
import type { PreprocessOptions } from "../lib/dicom/index.ts";

const [images = 2000, size = 512, repeats = 3] = process.argv.slice(2).map(Number);
const dir = mkdtempSync(join(tmpdir(), "bench-prepare-"));
const pre: PreprocessOptions = { imgSize: size, window: "percentile" };
const samples: Sample[] = [];
const pixels = Float32Array.from({ length: size * size }, (_, i) => (i % 997) / 997);
for (let i = 0; i < images; i++) {
  const fileSha = sha256(`image ${i}`);
  storeEntry(dir, cacheKey(fileSha, pre), encodeEntry(cacheKey(fileSha, pre), size, size, pixels));
  samples.push({ accession: String(i), patientId: null, label: 1, imagePath: join(dir, `${i}.dcm`), viewPosition: null, laterality: null, row: i + 2, sha256: fileSha });
}
const gib = (images * (80 + 2 * size * size)) / 2 ** 30;
console.log(`${images} cache entries of ${size}×${size} px (${gib.toFixed(2)} GiB), ${repeats} repeats each, alternating`);

const times: Record<"entry" | "header", number[]> = { entry: [], header: [] };
for (let r = 0; r < repeats; r++) {
  for (const verify of ["entry", "header"] as const) {
    const t0 = performance.now();
    const prepared = await prepareImages(samples, { ...pre, cacheDir: dir, workers: 1, verify });
    times[verify].push(performance.now() - t0);
    if (prepared.stats.hits !== images) throw new Error(`verify ${verify}: ${prepared.stats.hits} hits of ${images}`);
  }
}
rmSync(dir, { recursive: true, force: true });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const [entry, header] = [median(times.entry), median(times.header)];
console.log(`verify entry  (whole, SHA-256): median ${(entry / 1000).toFixed(2)} s  (${times.entry.map((t) => (t / 1000).toFixed(2)).join(", ")})`);
console.log(`verify header (80 B + length):  median ${(header / 1000).toFixed(2)} s  (${times.header.map((t) => (t / 1000).toFixed(2)).join(", ")})`);
console.log(`ratio entry / header: ${(entry / header).toFixed(1)}×; whole-read rate ${(gib / (entry / 1000)).toFixed(2)} GiB/s`);
