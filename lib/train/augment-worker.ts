// A worker of the batch feeder (feeder.ts): reads and assembles one batch (feed-batch.ts). The
// augmentation draws come from the main thread's stream, so the result does not depend on which
// worker (or how many) made it.
import { postedError } from "../dataset/index.ts";
import { assemble, type FeedJob, type FeedResult } from "./feed-batch.ts";

declare const self: Worker;
self.onmessage = (event: MessageEvent<FeedJob>) => {
  const id = event.data.id;
  assemble(event.data).then(
    ({ pixels, warnings }) => self.postMessage({ id, ok: true, pixels, warnings } satisfies FeedResult, [pixels.buffer]),
    (err: unknown) => self.postMessage({ id, ok: false, error: postedError(err, "feeder_failed") } satisfies FeedResult),
  );
};
