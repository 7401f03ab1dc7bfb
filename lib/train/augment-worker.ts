// A worker of the batch feeder (feeder.ts): assembles one training batch (feed-batch.ts). The
// augmentation draws come from the main thread's stream, so the result does not depend on which
// worker (or how many) made it.
import { assemble, type FeedJob, type FeedResult } from "./feed-batch.ts";

declare const self: Worker;
self.onmessage = (event: MessageEvent<FeedJob>) => {
  const pixels = assemble(event.data);
  self.postMessage({ id: event.data.id, pixels } satisfies FeedResult, [pixels.buffer]);
};
