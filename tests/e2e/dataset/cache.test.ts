import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { entryPath, iterateImages, loadDataset, loadImages, prepareImages, readCached, type LoadContext, type Sample } from "../../../lib/dataset/index.ts";
import { checkEntry, checkEntryHeader, decodeEntry, encodeEntry } from "../../../lib/dataset/cache-entry.ts";
import { cacheWriteProblem } from "../../../lib/dataset/cache-io.ts";
import { runTask } from "../../../lib/task/index.ts";
import { describeWith } from "../../support/requirements.ts";
import { loadPreprocessed } from "../../../lib/dicom/index.ts";
import { quietProgress } from "../../../lib/progress/index.ts";
import { tempDir, tinyDicom } from "../../unit/dataset/fixtures.ts";

const OPTIONS = { imgSize: 8, window: "percentile" } as const;

let tmp: ReturnType<typeof tempDir>;
let samples: Sample[];

/** A context whose warnings are kept for the test to read. */
function recordingContext(): LoadContext & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, progress: quietProgress, log: { debug() {}, info() {}, warn: (m) => void warnings.push(m), error() {}, attachFile() {}, detachFile() {} } };
}

beforeAll(async () => {
  tmp = tempDir("cache-");
  tmp.write("archive/000001/a.dcm", await tinyDicom({ seed: 1 }));
  tmp.write("archive/000002/a.dcm", await tinyDicom({ seed: 2, encoding: "rle" }));
  tmp.write("archive/000003/a.dcm", await tinyDicom({ seed: 3, encoding: "implicit-le" }));
  const csv = tmp.write("labels.csv", "AccessionNumber,Classification\n000001,1\n000002,2\n000003,3\n");
  samples = (await loadDataset({ csv, dicomRoot: join(tmp.dir, "archive") })).samples;
});

afterAll(() => tmp.cleanup());

/** What the cache must return: the direct preprocessing, quantised to 1/65535 steps. */
async function expected(sample: Sample): Promise<Float32Array> {
  const direct = await loadPreprocessed(sample.imagePath, OPTIONS);
  return Float32Array.from(direct, (v) => Math.round(v * 65535) / 65535);
}

describe("prepareImages / loadImages", () => {
  test("loadImages returns the preprocessed images (quantised to 1/65535), and hits on the second load", async () => {
    const cacheDir = join(tmp.dir, "cache-hits");
    const first = await prepareImages(samples, { ...OPTIONS, cacheDir, workers: 1 });
    expect(first.stats).toEqual({ hits: 0, built: 3, rebuilt: 0 });
    const second = await prepareImages(samples, { ...OPTIONS, cacheDir, workers: 1 });
    expect(second.stats).toEqual({ hits: 3, built: 0, rebuilt: 0 });
    const images = await loadImages(samples, { ...OPTIONS, cacheDir, workers: 1 });
    for (let i = 0; i < samples.length; i++) {
      expect(images[i]?.length).toBe(64);
      expect(images[i]).toEqual(await expected(samples[i] as Sample));
    }
  });

  test("prepareImages with 2 workers writes the same entries and returns the same images as one thread", async () => {
    const single = join(tmp.dir, "cache-single");
    const multi = join(tmp.dir, "cache-multi");
    const a = await loadImages(samples, { ...OPTIONS, cacheDir: single, workers: 1 });
    const prepared = await prepareImages(samples, { ...OPTIONS, cacheDir: multi, workers: 2 });
    expect(prepared.stats.built).toBe(3);
    const b = await loadImages(samples, { ...OPTIONS, cacheDir: multi, workers: 2 });
    expect(b).toEqual(a);
    for (const key of prepared.keys) expect(readFileSync(entryPath(multi, key))).toEqual(readFileSync(entryPath(single, key)));
  });

  test("prepareImages detects a corrupted entry, logs it and rebuilds it, never using it", async () => {
    const cacheDir = join(tmp.dir, "cache-corrupt");
    const { keys } = await prepareImages(samples, { ...OPTIONS, cacheDir, workers: 1 });
    const path = entryPath(cacheDir, keys[1] as string);
    const good = readFileSync(path);
    const bad = Uint8Array.from(good);
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 0xff;
    writeFileSync(path, bad);
    expect(await readCached(keys[1] as string, { ...OPTIONS, cacheDir })).toBeNull();
    const ctx = recordingContext();
    const again = await prepareImages(samples, { ...OPTIONS, cacheDir, workers: 1 }, ctx);
    expect(again.stats).toEqual({ hits: 2, built: 0, rebuilt: 1 });
    expect(ctx.warnings).toEqual([`corrupt cache entry ${path} for ${samples[1]?.imagePath} (payload checksum mismatch): rebuilding`]);
    expect(readFileSync(path)).toEqual(good);
  });

  test("prepareImages({verify: 'header'}) reads only headers: a cut entry is rebuilt there, a flipped payload bit on read", async () => {
    const cacheDir = join(tmp.dir, "cache-header");
    const { keys } = await prepareImages(samples, { ...OPTIONS, cacheDir, workers: 1 });
    const [cut, flipped] = [entryPath(cacheDir, keys[0] as string), entryPath(cacheDir, keys[1] as string)];
    const good = readFileSync(flipped);
    writeFileSync(cut, readFileSync(cut).subarray(0, 100));
    const bad = Uint8Array.from(good);
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 0xff;
    writeFileSync(flipped, bad);
    const ctx = recordingContext();
    const prepared = await prepareImages(samples, { ...OPTIONS, cacheDir, workers: 1, verify: "header" }, ctx);
    expect(prepared.stats).toEqual({ hits: 2, built: 0, rebuilt: 1 });
    expect(ctx.warnings).toEqual([`corrupt cache entry ${cut} for ${samples[0]?.imagePath} (length 100 bytes, expected 208): rebuilding`]);
    expect(await prepared.read(1)).toEqual(await expected(samples[1] as Sample));
    expect(ctx.warnings.at(-1)).toBe(`cache entry ${flipped} for ${samples[1]?.imagePath} corrupt (payload checksum mismatch): rebuilding`);
    expect(readFileSync(flipped)).toEqual(good);
  });

  test("PreparedImages.read rebuilds an entry damaged after prepareImages checked it", async () => {
    const cacheDir = join(tmp.dir, "cache-late");
    const ctx = recordingContext();
    const prepared = await prepareImages(samples, { ...OPTIONS, cacheDir, workers: 1 }, ctx);
    const path = entryPath(cacheDir, prepared.keys[0] as string);
    writeFileSync(path, readFileSync(path).subarray(0, 100));
    const image = await prepared.read(0);
    expect(ctx.warnings).toEqual([`cache entry ${path} for ${samples[0]?.imagePath} corrupt (length 100 bytes, expected 208): rebuilding`]);
    expect(image).toEqual(await expected(samples[0] as Sample));
    expect(await readCached(prepared.keys[0] as string, { ...OPTIONS, cacheDir })).toEqual(image);
  });

  for (const workers of [1, 2]) {
    test(`prepareImages({workers: ${workers}}) refuses a file that changed since the dataset was loaded`, async () => {
      const changed: Sample = { ...(samples[0] as Sample), sha256: "0".repeat(64) };
      await expect(prepareImages([samples[1] as Sample, changed], { ...OPTIONS, cacheDir: join(tmp.dir, `cache-changed-${workers}`), workers })).rejects.toThrow(
        `${changed.imagePath} changed since the dataset was loaded`,
      );
    });
  }

  test("prepareImages hashes a hand-made Sample without sha256 and finds the same entry", async () => {
    const cacheDir = join(tmp.dir, "cache-hits");
    const { sha256: _, ...bare } = samples[2] as Sample;
    const prepared = await prepareImages([bare], { ...OPTIONS, cacheDir, workers: 1 });
    expect(prepared.stats).toEqual({ hits: 1, built: 0, rebuilt: 0 });
  });

  test("iterateImages yields batches of batchSize in sample order", async () => {
    const cacheDir = join(tmp.dir, "cache-hits");
    const all = await loadImages(samples, { ...OPTIONS, cacheDir });
    const batches: Float32Array[][] = [];
    for await (const batch of iterateImages(samples, { ...OPTIONS, cacheDir, batchSize: 2 })) batches.push(batch);
    expect(batches.map((b) => b.length)).toEqual([2, 1]);
    expect(batches.flat()).toEqual(all);
  });
});

describe("cache entry format", () => {
  const key = "ab".repeat(32);
  const pixels = Float32Array.from([0, 0.25, 0.5, 1]);

  test("encodeEntry stores [0, 1] images as Uint16 (80-byte header + 2 bytes a pixel) and decodeEntry reads them back", () => {
    const bytes = encodeEntry(key, 2, 2, pixels);
    expect(bytes.length).toBe(80 + 4 * 2);
    const read = decodeEntry(bytes, key, 2);
    expect(read.ok && Array.from(read.pixels)).toEqual([0, Math.fround(16384 / 65535), Math.fround(32768 / 65535), 1]);
  });

  test("encodeEntry stores an image with values outside [0, 1] as exact Float32", () => {
    const wide = Float32Array.from([-0.5, 0.1, 1.5, 2]);
    const bytes = encodeEntry(key, 2, 2, wide);
    expect(bytes.length).toBe(80 + 4 * 4);
    const read = decodeEntry(bytes, key, 2);
    expect(read.ok && read.pixels).toEqual(wide);
  });

  const good = encodeEntry(key, 2, 2, pixels);
  const mutate = (f: (b: Uint8Array) => Uint8Array) => f(Uint8Array.from(good));
  const cases: [string, Uint8Array, string, number, string][] = [
    ["bad magic", mutate((b) => ((b[0] = 0), b)), key, 2, "bad magic"],
    ["short file", good.subarray(0, 40), key, 2, "40 bytes, shorter than the 80-byte header"],
    ["missing payload bytes", good.subarray(0, good.length - 2), key, 2, "length 86 bytes, expected 88"],
    ["flipped payload bit", mutate((b) => ((b[85] = (b[85] as number) ^ 1), b)), key, 2, "payload checksum mismatch"],
    ["other version", mutate((b) => ((b[4] = 9), b)), key, 2, "format version 9, expected 1"],
    ["other key", good, "cd".repeat(32), 2, "written for another key"],
    ["other size", good, key, 3, "size 2×2, expected 3×3"],
  ];
  for (const [name, bytes, k, size, problem] of cases) {
    test(`checkEntry reports ${name}`, () => {
      expect(checkEntry(bytes, k, size)).toBe(problem);
    });
    // The header check sees all of it from the first 80 bytes and the length, except the payload's checksum.
    test(`checkEntryHeader reports ${name === "flipped payload bit" ? "nothing for a flipped payload bit" : name}`, () => {
      expect(checkEntryHeader(bytes.subarray(0, 80), bytes.length, k, size)).toBe(name === "flipped payload bit" ? null : problem);
    });
  }
});

describe("a cache folder that cannot be written (issue 13: a read-only --cache-dir)", () => {
  // /sys refuses new entries even to root (EPERM; EACCES to other users): the stand-in for a
  // read-only mount that every Linux machine has.
  const unwritable = (name: string) => join("/sys/fs", `mammo-cache-${name}-${process.pid}`);
  const usable = cacheWriteProblem(unwritable("probe")) !== null;
  if (!usable) console.warn("skipping: /sys/fs is writable here, so it cannot stand in for a read-only cache");

  test.skipIf(!usable)("prepareImages on an unwritable cacheDir returns the images a writable cache gives, with one warning", async () => {
    const cacheDir = unwritable("prepare");
    const ctx = recordingContext();
    const images = await loadImages(samples, { ...OPTIONS, cacheDir, workers: 2 }, ctx);
    for (let i = 0; i < samples.length; i++) expect(images[i]).toEqual(await expected(samples[i] as Sample));
    expect(ctx.warnings.length).toBe(1);
    expect(ctx.warnings[0]).toStartWith(`cache ${cacheDir} cannot be written (`);
    expect(ctx.warnings[0]).toContain("running without it");
  });

  test.skipIf(!usable)("loadDataset then prepareImages on one unwritable cacheDir warn once between them", async () => {
    const cacheDir = unwritable("load");
    const ctx = recordingContext();
    const csv = tmp.write("labels-ro.csv", "AccessionNumber,Classification\n000001,1\n000002,2\n000003,3\n");
    const ds = await loadDataset({ csv, dicomRoot: join(tmp.dir, "archive"), cacheDir, preprocess: OPTIONS }, ctx);
    expect(ds.samples.length).toBe(3);
    const prepared = await prepareImages(ds.samples, { ...OPTIONS, cacheDir }, ctx);
    expect(prepared.stats).toEqual({ hits: 0, built: 3, rebuilt: 0 });
    expect(await prepared.read(2)).toEqual(await expected(samples[2] as Sample));
    expect(ctx.warnings.filter((w) => w.includes("cannot be written")).length).toBe(1);
  });

  test.skipIf(!usable)("runTask('train', {cacheDir: <read-only>}) trains without the cache: exit 0, one warning in run.log", async () => {
    const cohort = join(tmp.dir, "cohort");
    await runTask("synth", { outdir: cohort, accessions: 16, seed: 4, imageSize: 32, encodings: ["explicit-le"] }, { quiet: true });
    const cacheDir = unwritable("train");
    const result = await runTask(
      "train",
      { csv: join(cohort, "classificacao.csv"), dicomRoot: join(cohort, "archive"), outdir: join(tmp.dir, "runs"), cacheDir, arch: "small-cnn", backend: "wasm", imgSize: 8, batchSize: 8, epochs: 1, valFrac: 0.3 },
      { quiet: true },
    );
    const log = readFileSync(join(result.path as string, "run.log"), "utf8");
    expect(log.split("\n").filter((l) => l.includes(`cache ${cacheDir} cannot be written`)).length).toBe(1);
    expect(existsSync(join(result.path as string, "summary.json"))).toBe(true);
  });
});

// A read-only mount holding entries, made in a private mount namespace.
describeWith(["mount namespaces"])("a read-only mounted cache", () => {
  test("prepareImages reads the entries of a read-only mounted cache (hits) instead of decoding again", async () => {
    const cacheDir = join(tmp.dir, "cache-ro-mount");
    await prepareImages(samples, { ...OPTIONS, cacheDir, workers: 1 });
    const script = tmp.write(
      "ro-check.ts",
      `import { prepareImages, silentLog } from ${JSON.stringify(join(import.meta.dir, "../../../lib/dataset/index.ts"))};
       const samples = ${JSON.stringify(samples)};
       const warnings: string[] = [];
       const ctx = { log: { ...silentLog, warn: (m: string) => void warnings.push(m) }, progress: () => ({ increment() {}, update() {}, stop() {} }) };
       const prepared = await prepareImages(samples, { imgSize: ${OPTIONS.imgSize}, window: "${OPTIONS.window}", cacheDir: ${JSON.stringify(cacheDir)}, workers: 1 }, ctx as never);
       console.log(JSON.stringify({ stats: prepared.stats, warnings }));`,
    );
    const shell = `mount --bind -o ro ${cacheDir} ${cacheDir} && ${process.execPath} ${script}`;
    const child = Bun.spawnSync(["unshare", "-rm", "sh", "-c", shell]);
    expect(child.stderr.toString()).toBe("");
    const out = JSON.parse(child.stdout.toString());
    expect(out.stats).toEqual({ hits: 3, built: 0, rebuilt: 0 });
    expect(out.warnings.length).toBe(1);
    expect(out.warnings[0]).toContain("EROFS");
  });
});
