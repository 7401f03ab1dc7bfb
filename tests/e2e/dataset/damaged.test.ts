import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { auditArchive, loadDataset, prepareImages, type LoadContext } from "../../../lib/dataset/index.ts";
import { loadPreprocessed } from "../../../lib/dicom/index.ts";
import { quietProgress } from "../../../lib/progress/index.ts";
import { runTask } from "../../../lib/task/index.ts";
import { COMPRESSED, DAMAGES, damagedSet } from "../../unit/dataset/damage.ts";
import { tempDir, tinyDicom } from "../../unit/dataset/fixtures.ts";

// 30 accessions whose first file (1.dcm) is a damaged copy and second (2.dcm) a good one, one
// per encoding × damage; 3 with a good file only; 1 with a damaged file only.
let tmp: ReturnType<typeof tempDir>;
let root: string;
let csv: string;
const damagedOf = new Map<string, string>();
const PRE = { imgSize: 16, window: "percentile" as const };

beforeAll(async () => {
  tmp = tempDir("damaged-");
  root = join(tmp.dir, "archive");
  const rows: string[] = ["AccessionNumber,Classification,ClassificationDate"];
  let n = 0;
  const accession = (label: number) => {
    const acc = String(++n).padStart(6, "0");
    rows.push(`${acc},${label},2024-01-01`);
    return acc;
  };
  for (const [e, encoding] of COMPRESSED.entries()) {
    const { damaged } = await damagedSet(encoding, 10 + e);
    for (const [i, d] of damaged.entries()) {
      const acc = accession(1 + ((e + i) % 4));
      damagedOf.set(join(root, acc, "1.dcm"), d.name);
      tmp.write(`archive/${acc}/1.dcm`, d.bytes);
      tmp.write(`archive/${acc}/2.dcm`, await tinyDicom({ encoding, seed: 100 + n, patientId: `P${n}` }));
    }
  }
  for (const encoding of COMPRESSED) tmp.write(`archive/${accession(1 + (n % 4))}/1.dcm`, await tinyDicom({ encoding, seed: 200 + n, patientId: `P${n}` }));
  const only = accession(3);
  const lone = (await damagedSet("jpeg-ls", 77)).damaged[1];
  damagedOf.set(join(root, only, "1.dcm"), lone?.name ?? "");
  tmp.write(`archive/${only}/1.dcm`, lone?.bytes ?? new Uint8Array());
  csv = tmp.write("classificacao.csv", `${rows.join("\n")}\n`);
});

afterAll(() => tmp.cleanup());

/** Every DICOM file of the fixture, and which of them `loadPreprocessed` (the decode training runs) turns into pixels. */
async function decodableByTraining(): Promise<{ all: string[]; decodable: string[] }> {
  const all = readdirSync(root)
    .flatMap((acc) => readdirSync(join(root, acc)).map((f) => join(root, acc, f)))
    .sort();
  const decodable: string[] = [];
  for (const path of all) {
    try {
      await loadPreprocessed(path, PRE);
      decodable.push(path);
    } catch {
      // not decodable: that is what is being counted
    }
  }
  return { all, decodable };
}

function recordingContext(): LoadContext & { lines: string[] } {
  const lines: string[] = [];
  const log = { debug() {}, info: (m: string) => void lines.push(m), warn: (m: string) => void lines.push(m), error: (m: string) => void lines.push(m), attachFile() {}, detachFile() {} };
  return { log, progress: quietProgress, lines };
}

describe("auditArchive / loadDataset on damaged compressed files", () => {
  test("the damage set covers every case the issue lists, in every compressed transfer syntax", () => {
    expect(damagedOf.size).toBe(COMPRESSED.length * DAMAGES.length + 1);
    for (const name of ["truncated at 10 %", "truncated at 50 %", "truncated at 99 %", "missing sequence delimiter", "fragment item header overwritten", "fragment length 0x7FFFFFF0"]) {
      for (const encoding of COMPRESSED) expect([...damagedOf.values()]).toContain(`${encoding}: ${name}`);
    }
  });

  test("auditArchive's readable files are exactly those loadPreprocessed decodes (a header-only check passes most of them)", async () => {
    const { all, decodable } = await decodableByTraining();
    const report = await auditArchive({ csv, dicomRoot: root, cacheDir: join(tmp.dir, "cache-audit") });
    expect(report.totalDicomFiles).toBe(all.length);
    expect(report.totalReadableFiles).toBe(decodable.length);
    expect(report.files.filter((f) => f.readable).map((f) => join(root, f.path)).sort()).toEqual(decodable);
    // Every good file decodes, and the damage that the file structure shows is all refused.
    for (const path of all) if (!damagedOf.has(path)) expect(decodable).toContain(path);
    const structural = DAMAGES.slice(0, 7).map((d) => d.name);
    for (const [path, name] of damagedOf) if (structural.some((s) => name.endsWith(s))) expect(decodable).not.toContain(path);
    expect(report.readabilityRatio).toBeLessThan(1);
  });

  test("loadDataset({views: 'all'}) keeps exactly the files the audit counts as readable, and prepareImages decodes every one", async () => {
    const { decodable } = await decodableByTraining();
    const cacheDir = join(tmp.dir, "cache-all");
    const ds = await loadDataset({ csv, dicomRoot: root, views: "all", cacheDir });
    expect(ds.samples.map((s) => s.imagePath).sort()).toEqual(decodable);
    expect(ds.totalFiles - ds.unreadable.length).toBe(decodable.length);
    const prepared = await prepareImages(ds.samples, { ...PRE, cacheDir, workers: 2 });
    expect(prepared.stats.hits + prepared.stats.built).toBe(new Set(prepared.keys).size);
    for (let i = 0; i < ds.samples.length; i++) expect((await prepared.read(i)).length).toBe(16 * 16);
  });

  test("loadDataset({views: 'one'}) takes the next readable view of an accession whose first file does not decode, and logs it", async () => {
    const { decodable } = await decodableByTraining();
    const ctx = recordingContext();
    const ds = await loadDataset({ csv, dicomRoot: root, cacheDir: join(tmp.dir, "cache-one") }, ctx);
    for (const s of ds.samples) {
      const first = join(root, s.accession, "1.dcm");
      expect(s.imagePath).toBe(decodable.includes(first) ? first : join(root, s.accession, "2.dcm"));
    }
    // Every accession but the one whose only file is damaged.
    expect(ds.samples.length).toBe(COMPRESSED.length * DAMAGES.length + COMPRESSED.length);
    expect(ds.unreadable.length).toBe([...damagedOf.keys()].filter((p) => !decodable.includes(p)).length);
    expect(ds.missing).toEqual([]);
    const fellBack = ds.samples.find((s) => s.imagePath.endsWith("2.dcm"));
    expect(ctx.lines).toContain(`accession ${fellBack?.accession}: 1 file(s) do not decode, took the next readable view ${fellBack?.accession}/2.dcm`);
  });

  test("a file the audit decoded is not decoded again: its verdict and preprocessed image come from the cache", async () => {
    const cacheDir = join(tmp.dir, "cache-shared");
    const report = await auditArchive({ csv, dicomRoot: root, cacheDir, preprocess: PRE });
    const verdicts = readdirSync(join(cacheDir, "verdicts"), { recursive: true }).filter((f) => String(f).endsWith(".json"));
    // One verdict per distinct file read whole (files refused from their structure alone are not hashed).
    expect(verdicts.length).toBe(new Set(report.files.filter((f) => f.sha256 !== "").map((f) => f.sha256)).size);
    const ds = await loadDataset({ csv, dicomRoot: root, views: "all", cacheDir, preprocess: PRE });
    const prepared = await prepareImages(ds.samples, { ...PRE, cacheDir, workers: 1 });
    expect(prepared.stats).toEqual({ hits: new Set(prepared.keys).size, built: 0, rebuilt: 0 });
  });
});

describe("train on damaged files", () => {
  test("runTask('train', {minReadable: 0}) skips files that do not decode and trains on every accession's next readable view", async () => {
    const outdir = join(tmp.dir, "runs");
    const result = await runTask(
      "train",
      { csv, dicomRoot: root, outdir, cacheDir: join(tmp.dir, "cache-train"), arch: "small-cnn", backend: "wasm", imgSize: 16, batchSize: 8, epochs: 1, valFrac: 0.3, minReadable: 0 },
      { quiet: true },
    );
    const runDir = result.path as string;
    const summary = JSON.parse(readFileSync(join(runDir, "summary.json"), "utf8"));
    expect(summary.n_train + summary.n_val).toBe(COMPRESSED.length * DAMAGES.length + COMPRESSED.length);
    const log = readFileSync(join(runDir, "run.log"), "utf8");
    expect(log).toContain("do not decode and are skipped");
    expect(log).toContain("took the next readable view");
  });

  test("runTask('train') at the default --min-readable 0.99 refuses this archive, naming the unreadable files", async () => {
    const outdir = join(tmp.dir, "runs-strict");
    await expect(
      runTask("train", { csv, dicomRoot: root, outdir, cacheDir: join(tmp.dir, "cache-train"), arch: "small-cnn", backend: "wasm", imgSize: 16, epochs: 1 }, { quiet: true }),
    ).rejects.toThrow(/DICOM files are readable .*required\); unreadable:\n {2}unreadable DICOM /);
  });
});
