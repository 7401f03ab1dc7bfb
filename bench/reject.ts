// What refusing a zero-filled file costs (issue 12, item 4): `checkFile` on sparse files of 1 and
// 3 GiB that hold a DICOM header (or only its first 132 bytes) and then zeros, against the peer
// that every audit before it paid at least: reading the file whole and hashing it, in the same
// run on the same files. Sparse files (ftruncate): nothing is written to disk, but reads return
// real zeros.
//
//   bun bench/reject.ts [repeats=3]
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sha256 } from "../lib/artifacts/index.ts";
import { checkFile } from "../lib/dataset/index.ts";
import { encodeDicom } from "../lib/dicom/write/index.ts";

const [repeats = 3] = process.argv.slice(2).map(Number);
const GiB = 2 ** 30;
const dir = mkdtempSync(join(tmpdir(), "bench-reject-"));

function sparse(name: string, head: Uint8Array, size: number): string {
  const path = join(dir, name);
  const fd = openSync(path, "w");
  writeSync(fd, head);
  ftruncateSync(fd, size);
  closeSync(fd);
  return path;
}

const good = await encodeDicom({
  width: 64,
  height: 64,
  bitsStored: 12,
  pixelRepresentation: 0,
  photometric: "MONOCHROME2",
  pixels: new Uint16Array(64 * 64),
  tags: { patientId: "P", accessionNumber: "1", studyInstanceUid: "1.2.3", seriesInstanceUid: "1.2.3.1", sopInstanceUid: "1.2.3.1.1", viewPosition: "CC", imageLaterality: "L", manufacturer: "B" },
  encoding: "jpeg-ls",
});
const pixelTag = Buffer.from(good).lastIndexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00]));
const cases = [
  { name: "132 bytes, then zeros to 1 GiB", path: sparse("a.dcm", good.subarray(0, 132), GiB), size: GiB },
  { name: "header, then zeros to 1 GiB", path: sparse("b.dcm", good.subarray(0, pixelTag), GiB), size: GiB },
  { name: "132 bytes, then zeros to 3 GiB", path: sparse("c.dcm", good.subarray(0, 132), 3 * GiB), size: 3 * GiB },
];

async function measure(run: () => Promise<unknown>): Promise<{ ms: number; rssMiB: number; outcome: string }> {
  Bun.gc(true);
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const t0 = performance.now();
  let outcome: string;
  try {
    outcome = String(await run());
  } catch (err) {
    outcome = `error: ${(err as Error).message.slice(0, 60)}`;
  }
  const ms = performance.now() - t0;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { ms, rssMiB: (peak - rss0) / 2 ** 20, outcome };
}

console.log("| file | checkFile ms | checkFile RSS growth MiB | verdict | read + SHA-256 ms | read RSS growth MiB | time ratio |");
console.log("| --- | --- | --- | --- | --- | --- | --- |");
for (const c of cases) {
  for (let r = 0; r < repeats; r++) {
    const ours = await measure(async () => {
      const v = await checkFile({ file: c.path, cacheDir: null, writable: false, preprocess: null, returnEntry: false });
      return v.readable ? "readable" : v.reason;
    });
    // The peer: what the header-only audit did first for every file (readFile + hash). Node
    // refuses buffers above 2 GiB, so at 3 GiB the peer fails after its read attempt.
    const peer = await measure(async () => sha256(new Uint8Array(await readFile(c.path))).slice(0, 8));
    console.log(`| ${c.name} | ${ours.ms.toFixed(1)} | ${ours.rssMiB.toFixed(1)} | ${ours.outcome} | ${peer.ms.toFixed(0)} | ${peer.rssMiB.toFixed(0)} | ${(peer.ms / ours.ms).toFixed(0)}× |`);
  }
}
rmSync(dir, { recursive: true, force: true });
