import { TaskError } from "../errors/index.ts";
import type { BuildJob } from "./cache-build.ts";
import type { BuildReply, BuildRequest } from "./decode-worker.ts";

/**
 * Builds cache entries on `workers` Bun Workers, each taking the next job as soon as it finishes
 * one. `onDone` is called once per finished job. The first failure stops the pool (running
 * workers are terminated) and is rethrown as a TaskError with the worker's code and message.
 */
export async function buildInWorkers(jobs: readonly BuildJob[], workers: number, onDone: () => void): Promise<void> {
  const count = Math.max(1, Math.min(workers, jobs.length));
  const pool: Worker[] = [];
  let next = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let finished = 0;
      let failed = false;
      const fail = (err: Error) => {
        if (failed) return;
        failed = true;
        reject(err);
      };
      const feed = (worker: Worker) => {
        if (failed || next >= jobs.length) return;
        const id = next++;
        worker.postMessage({ id, job: jobs[id] as BuildJob } satisfies BuildRequest);
      };
      for (let w = 0; w < count; w++) {
        const worker = new Worker(new URL("./decode-worker.ts", import.meta.url));
        pool.push(worker);
        worker.onmessage = (event: MessageEvent<BuildReply>) => {
          const reply = event.data;
          if (!reply.ok) {
            fail(new TaskError(reply.error.code, reply.error.message, { exitCode: reply.error.exitCode }));
            return;
          }
          onDone();
          if (++finished === jobs.length) resolve();
          else feed(worker);
        };
        worker.onerror = (event: ErrorEvent) => fail(new TaskError("worker_failed", `preprocessing worker failed: ${event.message}`));
        feed(worker);
      }
      if (jobs.length === 0) resolve();
    });
  } finally {
    for (const worker of pool) worker.terminate();
  }
}
