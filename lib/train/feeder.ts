import { availableParallelism } from "node:os";
import type { AugmentDraw } from "./augment.ts";
import { postedTaskError } from "../dataset/index.ts";
import { assemble, type FeedJob, type FeedResult } from "./feed-batch.ts";
import type { DataPart } from "./step.ts";

/** One step's batch: the sample indices and, with augmentation, one draw per sample. */
export interface BatchJob {
  indices: readonly number[];
  draws: AugmentDraw[] | null;
}

/** An assembled batch [B·S·S] and the warnings of reading its images (a cache entry rebuilt). */
type Batch = Awaited<ReturnType<typeof assemble>>;

/** Batches in step order, prepared ahead of the step. */
export interface BatchFeeder {
  /** The next batch's pixels [B·S·S] (the order of `jobs`). */
  next(): Promise<Float32Array>;
  /** Milliseconds the caller has waited in next() so far. */
  readonly waitMs: number;
}

/**
 * Worker threads that read (from the preprocessing cache), augment and assemble batches
 * (augment-worker.ts). With 0 workers batches are made on the calling thread when asked for (the
 * CPU backends, which use the cores for the step itself). Results are the same bits either way: the draws are made by the caller, in order.
 */
export class FeederPool {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<number, { resolve: (batch: Batch) => void; reject: (err: Error) => void }>();
  private nextId = 0;
  private turn = 0;

  constructor(readonly size: number) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(new URL("./augment-worker.ts", import.meta.url).href);
      worker.onmessage = (event: MessageEvent<FeedResult>) => {
        const reply = event.data;
        const job = this.waiting.get(reply.id);
        this.waiting.delete(reply.id);
        if (reply.ok) job?.resolve({ pixels: reply.pixels, warnings: reply.warnings });
        else job?.reject(postedTaskError(reply.error));
      };
      worker.onerror = (event: ErrorEvent) => {
        for (const job of this.waiting.values()) job.reject(new Error(`batch feeder worker failed: ${event.message}`));
        this.waiting.clear();
      };
      // a pool left open must not keep the process alive (Bun's Worker has unref)
      (worker as Worker & { unref?(): void }).unref?.();
      this.workers.push(worker);
    }
  }

  /** The batch of `job`, made by the next worker in turn. */
  make(job: Omit<FeedJob, "id">): Promise<Batch> {
    const worker = this.workers[this.turn++ % this.workers.length]!;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ ...job, id } satisfies FeedJob);
    });
  }

  close(): void {
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
  }
}

/** Workers for `--loader-workers auto`: on a GPU all cores but one (at most 4), else none. */
export function autoLoaderWorkers(gpu: boolean): number {
  return gpu ? Math.max(1, Math.min(4, availableParallelism() - 1)) : 0;
}

/**
 * Feeds `jobs` in order, keeping up to `ahead` batches in preparation on `pool` (null: inline,
 * each batch made when asked for, and the time making it counts as waiting). Images are read
 * where the batch is made (from the preprocessing cache when the part holds cache entries), so
 * only the batches in flight are in memory; `warn` gets the warnings of those reads.
 */
export function feedBatches(part: DataPart, imgSize: number, jobs: readonly BatchJob[], pool: FeederPool | null, options: { ahead?: number; warn?: (message: string) => void } = {}): BatchFeeder {
  const ahead = options.ahead ?? 2;
  const spec = (job: BatchJob) => ({ size: imgSize, images: job.indices.map((i) => part.images[i]!), draws: job.draws });
  const queue: Promise<Batch>[] = [];
  let started = 0;
  let waitMs = 0;
  const fill = () => {
    while (pool && started < jobs.length && queue.length < ahead) {
      const batch = pool.make(spec(jobs[started++]!));
      batch.catch(() => {}); // a batch made ahead may fail before it is asked for: it rejects then
      queue.push(batch);
    }
  };
  const take = async (): Promise<Batch> => {
    if (!pool) {
      const job = jobs[started++];
      if (!job) throw new Error("batch feeder: no batch left");
      return assemble(spec(job));
    }
    fill();
    const batch = queue.shift();
    if (!batch) throw new Error("batch feeder: no batch left");
    const out = await batch;
    fill();
    return out;
  };
  return {
    get waitMs() {
      return waitMs;
    },
    async next() {
      const t0 = performance.now();
      try {
        const { pixels, warnings } = await take();
        for (const w of warnings) options.warn?.(w);
        return pixels;
      } finally {
        waitMs += performance.now() - t0;
      }
    },
  };
}
