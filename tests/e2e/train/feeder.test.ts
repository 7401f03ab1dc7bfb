import { afterAll, expect, test } from "bun:test";
import { initBackend } from "../../../lib/backend/index.ts";
import { buildModel, weightsSha256 } from "../../../lib/models/index.ts";
import { quietProgress } from "../../../lib/progress/index.ts";
import { stream } from "../../../lib/rng/index.ts";
import { AdamW } from "../../../lib/train/adamw.ts";
import { applyAugment, drawAugment } from "../../../lib/train/augment.ts";
import { feedBatches, FeederPool, type BatchJob } from "../../../lib/train/feeder.ts";
import { initialLoopState, trainLoop } from "../../../lib/train/loop.ts";
import { netParts } from "../../../lib/train/network.ts";
import type { DataPart } from "../../../lib/train/step.ts";
import { tinyLoopOptions } from "./tiny-training.ts";

const { tf } = await initBackend("cpu");
const SIZE = 12;
const pool = new FeederPool(2);
afterAll(() => pool.close());

function part(n: number, purpose: string): DataPart<Float32Array> {
  const rng = stream(13, purpose);
  return { images: Array.from({ length: n }, () => Float32Array.from({ length: SIZE * SIZE }, () => rng.float())), labels: Array.from({ length: n }, (_, i) => i % 4) };
}

test("feedBatches on 2 worker threads gives, in order, the batches the loop would assemble itself (augmented with the given draws)", async () => {
  const data = part(10, "feed");
  const rng = stream(13, "draws");
  const jobs: BatchJob[] = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]].map((indices) => ({ indices, draws: indices.map(() => drawAugment(rng)) }));
  jobs.push({ indices: [9, 0], draws: null });
  const expected = jobs.map((job) => {
    const out = new Float32Array(job.indices.length * SIZE * SIZE);
    job.indices.forEach((i, b) => out.set(job.draws ? applyAugment(data.images[i]!, SIZE, job.draws[b]!) : data.images[i]!, b * SIZE * SIZE));
    return out;
  });
  for (const feeder of [feedBatches(data, SIZE, jobs, pool), feedBatches(data, SIZE, jobs, null)]) {
    for (const batch of expected) expect(Buffer.from((await feeder.next()).buffer).equals(Buffer.from(batch.buffer))).toBe(true);
    await expect(feeder.next()).rejects.toThrow("batch feeder: no batch left");
    expect(feeder.waitMs).toBeGreaterThan(0);
  }
});

test("trainLoop with batches prepared by worker threads trains to the same bits as without, and reports the time it waited for them", async () => {
  const run = async (withPool: boolean) => {
    const built = buildModel(tf, { arch: "small-cnn", imgSize: SIZE, seed: 42 });
    const net = netParts(built);
    const options = tinyLoopOptions(SIZE);
    const optimizer = new AdamW(tf, { weightDecay: 1e-4 });
    const feeding: { waitMs: number; trainingMs: number }[] = [];
    const state = await trainLoop(tf, net, { train: part(12, "train"), val: part(4, "val") }, options, optimizer, initialLoopState(), {
      progress: quietProgress,
      now: () => performance.now(),
      pool: withPool ? pool : null,
      onEpochEnd: (result) => void feeding.push(result.feeding),
    });
    const out = { losses: state.history.map((h) => h.train_loss), sha256: weightsSha256(built.model), feeding };
    optimizer.dispose();
    built.model.dispose();
    return out;
  };
  const inline = await run(false);
  const workers = await run(true);
  expect(workers.losses).toEqual(inline.losses);
  expect(workers.sha256).toBe(inline.sha256);
  for (const f of [...inline.feeding, ...workers.feeding]) {
    expect(f.waitMs).toBeGreaterThan(0);
    expect(f.waitMs).toBeLessThanOrEqual(f.trainingMs);
  }
});
