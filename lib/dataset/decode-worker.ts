/**
 * Worker body of the checking pool: runs `checkFile` on one job per message and answers with
 * `{id, ok, verdict}` (a file that does not decode is a verdict too) or `{id, ok: false, error}`
 * for an error that must stop the batch (a file changed since loading).
 */
import { checkFile, type CheckJob, type FileVerdict } from "./check.ts";
import { postedError, type PostedError } from "./worker-error.ts";

export interface CheckRequest {
  id: number;
  job: CheckJob;
}

export type CheckReply = { id: number; ok: true; verdict: FileVerdict } | { id: number; ok: false; error: PostedError };

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<CheckRequest>) => void) | null;
  postMessage(message: CheckReply, transfer?: Transferable[]): void;
};

scope.onmessage = (event) => {
  const { id, job } = event.data;
  checkFile(job).then(
    (verdict) => {
      // The entry's buffer moves to the main thread instead of being copied.
      const transfer = verdict.readable && verdict.entry ? [verdict.entry.buffer as ArrayBuffer] : [];
      scope.postMessage({ id, ok: true, verdict }, transfer);
    },
    (err: unknown) => scope.postMessage({ id, ok: false, error: postedError(err, "check_failed") }),
  );
};
