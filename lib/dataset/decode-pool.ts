import { availableParallelism } from "node:os";
import { TaskError } from "../errors/index.ts";
import { checkFile, type CheckJob, type FileVerdict } from "./check.ts";
import type { CheckReply, CheckRequest } from "./decode-worker.ts";
import { postedTaskError } from "./worker-error.ts";

/** By default, below this many jobs per worker starting Workers costs more than it saves: the jobs run on this thread. */
const MIN_JOBS_PER_WORKER = 8;

/** Checks files (`checkFile`) on Bun Workers, or on this thread for small batches. Reusable across batches until closed. */
export interface CheckPool {
  /** Verdicts in job order. `onDone` is called once per finished job. The first error stops the batch and is rethrown. */
  run(jobs: readonly CheckJob[], onDone?: (verdict: FileVerdict) => void): Promise<FileVerdict[]>;
  close(): void;
}

/**
 * A pool of up to `workers` Workers, started on the first batch that uses them; each takes the
 * next job as soon as it finishes one. Asked for explicitly, `workers` is used up to the number
 * of jobs; by default every core, but only one per 8 jobs (small batches stay on this thread).
 */
export function openCheckPool(requested?: number): CheckPool {
  const workers = requested ?? availableParallelism();
  const perWorker = requested === undefined ? MIN_JOBS_PER_WORKER : 1;
  const pool: Worker[] = [];
  const ensure = (n: number) => {
    while (pool.length < n) pool.push(new Worker(new URL("./decode-worker.ts", import.meta.url)));
  };
  return {
    async run(jobs, onDone) {
      const count = Math.max(1, Math.min(workers, Math.floor(jobs.length / perWorker)));
      const results = new Array<FileVerdict>(jobs.length);
      if (count <= 1) {
        for (let i = 0; i < jobs.length; i++) {
          results[i] = await checkFile(jobs[i] as CheckJob);
          onDone?.(results[i] as FileVerdict);
        }
        return results;
      }
      ensure(count);
      let next = 0;
      let finished = 0;
      await new Promise<void>((resolve, reject) => {
        let failed = false;
        const fail = (err: Error) => {
          if (failed) return;
          failed = true;
          reject(err);
        };
        const feed = (worker: Worker) => {
          if (failed || next >= jobs.length) return;
          const id = next++;
          worker.postMessage({ id, job: jobs[id] as CheckJob } satisfies CheckRequest);
        };
        for (const worker of pool.slice(0, count)) {
          worker.onmessage = (event: MessageEvent<CheckReply>) => {
            const reply = event.data;
            if (!reply.ok) {
              fail(postedTaskError(reply.error));
              return;
            }
            results[reply.id] = reply.verdict;
            onDone?.(reply.verdict);
            if (++finished === jobs.length) resolve();
            else feed(worker);
          };
          worker.onerror = (event: ErrorEvent) => fail(new TaskError("worker_failed", `DICOM decoding worker failed: ${event.message}`));
          feed(worker);
        }
      }).catch((err: unknown) => {
        // A worker may still be busy with a job of the failed batch: drop them all.
        for (const w of pool.splice(0)) w.terminate();
        throw err;
      });
      return results;
    },
    close() {
      for (const w of pool.splice(0)) w.terminate();
    },
  };
}

/** Runs one batch on a fresh pool and closes it. */
export async function checkFiles(jobs: readonly CheckJob[], workers?: number, onDone?: (verdict: FileVerdict) => void): Promise<FileVerdict[]> {
  const pool = openCheckPool(workers);
  try {
    return await pool.run(jobs, onDone);
  } finally {
    pool.close();
  }
}
