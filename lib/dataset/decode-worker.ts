/**
 * Worker body of the preprocessing pool: builds one cache entry per message and answers with
 * `{id, ok}` or `{id, ok: false, error}`. The pixels stay on disk; the main thread reads entries
 * back, so a miss and a hit return the same bytes.
 */
import { buildEntry, type BuildJob } from "./cache-build.ts";

export interface BuildRequest {
  id: number;
  job: BuildJob;
}

export type BuildReply = { id: number; ok: true } | { id: number; ok: false; error: { code: string; message: string; exitCode: number } };

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<BuildRequest>) => void) | null;
  postMessage(message: BuildReply): void;
};

scope.onmessage = (event) => {
  const { id, job } = event.data;
  buildEntry(job).then(
    () => scope.postMessage({ id, ok: true }),
    (err: unknown) => {
      const e = err as { code?: unknown; message?: unknown; exitCode?: unknown };
      scope.postMessage({
        id,
        ok: false,
        error: {
          code: typeof e.code === "string" ? e.code : "preprocess_failed",
          message: typeof e.message === "string" ? e.message : String(err),
          exitCode: typeof e.exitCode === "number" ? e.exitCode : 1,
        },
      });
    },
  );
};
