// Training streams its images from the preprocessing cache (issue 15 item 4): the data parts hold
// where each sample's cache entry is, never the pixels, and the batch feeder reads them per batch.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { initBackend } from "../../../lib/backend/index.ts";
import { cacheWriteProblem } from "../../../lib/dataset/cache-io.ts";
import { entryPath, loadDataset, loadImages, prepareImages, type CachedImage, type Sample } from "../../../lib/dataset/index.ts";
import { buildModel, weightsSha256 } from "../../../lib/models/index.ts";
import { quietProgress } from "../../../lib/progress/index.ts";
import { AdamW } from "../../../lib/train/adamw.ts";
import { FeederPool, feedBatches } from "../../../lib/train/feeder.ts";
import { initialLoopState, trainLoop } from "../../../lib/train/loop.ts";
import { netParts } from "../../../lib/train/network.ts";
import { evaluateAsync, type DataPart } from "../../../lib/train/step.ts";
import { tempDir, tinyDicom } from "../../unit/dataset/fixtures.ts";
import { tinyLoopOptions } from "./tiny-training.ts";

const { tf } = await initBackend("cpu");
const SIZE = 12;
const PRE = { imgSize: SIZE, window: "percentile" } as const;
const pool = new FeederPool(2);
let tmp: ReturnType<typeof tempDir>;
let samples: Sample[];
let cacheDir: string;

beforeAll(async () => {
  tmp = tempDir("stream-");
  const rows = ["AccessionNumber,Classification"];
  for (let i = 1; i <= 16; i++) {
    const acc = String(i).padStart(6, "0");
    tmp.write(`archive/${acc}/a.dcm`, await tinyDicom({ seed: i, accession: acc, patientId: `P${i}` }));
    rows.push(`${acc},${(i % 4) + 1}`);
  }
  const csv = tmp.write("labels.csv", `${rows.join("\n")}\n`);
  samples = (await loadDataset({ csv, dicomRoot: join(tmp.dir, "archive"), cacheDir: null })).samples;
  cacheDir = join(tmp.dir, "cache");
});

afterAll(() => {
  pool.close();
  tmp.cleanup();
});

/** The train (first 12) and val (last 4) parts, with images in memory or as cache entries. */
async function parts(streamed: boolean): Promise<{ train: DataPart; val: DataPart }> {
  const images = streamed ? (await prepareImages(samples, { ...PRE, cacheDir, workers: 1 })).images : await loadImages(samples, { ...PRE, cacheDir, workers: 1 });
  const labels = samples.map((s) => s.label - 1);
  return { train: { images: images.slice(0, 12), labels: labels.slice(0, 12) }, val: { images: images.slice(12), labels: labels.slice(12) } };
}

async function train(data: { train: DataPart; val: DataPart }, withPool: boolean) {
  const built = buildModel(tf, { arch: "small-cnn", imgSize: SIZE, seed: 42 });
  const net = netParts(built);
  const options = tinyLoopOptions(SIZE);
  const optimizer = new AdamW(tf, { weightDecay: 1e-4 });
  const state = await trainLoop(tf, net, data, options, optimizer, initialLoopState(), { progress: quietProgress, now: () => performance.now(), pool: withPool ? pool : null, onEpochEnd() {} });
  const out = { history: state.history.map(({ seconds: _, ...row }) => row), sha256: weightsSha256(built.model) };
  optimizer.dispose();
  built.model.dispose();
  return out;
}

test("a part made by prepareImages holds cache entries (key, file, no pixels) with a writable cache", async () => {
  const { train: part } = await parts(true);
  for (const image of part.images as CachedImage[]) {
    expect(image).not.toBeInstanceOf(Float32Array);
    expect(image.held).toBeNull();
    expect(image.key).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(entryPath(cacheDir, image.key)).length).toBe(80 + 2 * SIZE * SIZE);
  }
});

test("training on images streamed from the cache gives the weights and history of the in-memory images, with 0 and 2 feeder workers", async () => {
  const inMemory = await train(await parts(false), false);
  const streamedInline = await train(await parts(true), false);
  const streamedWorkers = await train(await parts(true), true);
  expect(streamedInline.sha256).toBe(inMemory.sha256);
  expect(streamedWorkers.sha256).toBe(inMemory.sha256);
  expect(streamedInline.history).toEqual(inMemory.history);
  expect(streamedWorkers.history).toEqual(inMemory.history);
});

test("evaluateAsync streams a cached part to the probabilities of the in-memory part, on workers or inline", async () => {
  const built = buildModel(tf, { arch: "small-cnn", imgSize: SIZE, seed: 7 });
  const memory = await evaluateAsync(tf, built.model, (await parts(false)).val, SIZE, 3, null);
  const cached = (await parts(true)).val;
  expect(await evaluateAsync(tf, built.model, cached, SIZE, 3, null, { pool })).toEqual(memory);
  expect(await evaluateAsync(tf, built.model, cached, SIZE, 3, null)).toEqual(memory);
  expect(memory.probs.length).toBe(4);
  built.model.dispose();
});

// /sys refuses new entries even to root: the stand-in for a read-only cache (as in dataset/cache.test.ts).
const readOnly = join("/sys/fs", `mammo-stream-${process.pid}`);
const unwritable = cacheWriteProblem(readOnly) !== null;

test.skipIf(!unwritable)("with a cache that cannot be written, each image is kept as its encoded entry (Uint16, 2 bytes a pixel), and trains to the same weights", async () => {
  const prepared = await prepareImages(samples.slice(0, 12), { ...PRE, cacheDir: readOnly, workers: 1 });
  for (const image of prepared.images) expect(image.held?.length).toBe(80 + 2 * SIZE * SIZE);
  const reference = await parts(false);
  const held = { train: { images: prepared.images, labels: reference.train.labels }, val: reference.val };
  expect((await train(held, true)).sha256).toBe((await train(reference, false)).sha256);
});

test("a cache entry damaged during training is made again from its DICOM file by the worker, with a warning; a missing file is an error naming it", async () => {
  const { train: part } = await parts(true);
  const reference = await parts(false);
  const image = part.images[1] as CachedImage;
  const path = entryPath(cacheDir, image.key);
  const bytes = readFileSync(path);
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
  writeFileSync(path, bytes);
  const warnings: string[] = [];
  const feeder = feedBatches(part, SIZE, [{ indices: [0, 1], draws: null }], pool, { warn: (m) => void warnings.push(m) });
  const pixels = await feeder.next();
  const expected = new Float32Array(2 * SIZE * SIZE);
  expected.set(reference.train.images[0] as Float32Array, 0);
  expected.set(reference.train.images[1] as Float32Array, SIZE * SIZE);
  expect(pixels).toEqual(expected);
  expect(warnings).toEqual([`cache entry ${path} for ${image.file} corrupt (payload checksum mismatch): rebuilding`]);

  rmSync(path);
  rmSync(image.file);
  const failing = feedBatches(part, SIZE, [{ indices: [1], draws: null }], pool);
  await expect(failing.next()).rejects.toThrow(image.file);
});
