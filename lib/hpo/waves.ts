/**
 * Runs items at most `workers` at a time. Whenever slots are free, `next()` is asked for items
 * until they are full or it says there are no more (undefined); the items taken together are
 * started by one `start` call (with the Slurm launcher, one array job), which returns a promise
 * per item that settles when the item is done.
 */
export async function inWaves<T>(workers: number, next: () => Promise<T | undefined>, start: (wave: T[]) => Promise<void>[]): Promise<void> {
  const active = new Set<Promise<void>>();
  for (let more = true; more; ) {
    while (active.size >= workers) await Promise.race(active);
    const wave: T[] = [];
    while (active.size + wave.length < workers) {
      const item = await next();
      if (item === undefined) {
        more = false;
        break;
      }
      wave.push(item);
    }
    if (!wave.length) continue;
    for (const job of start(wave)) {
      const tracked: Promise<void> = job.finally(() => active.delete(tracked));
      active.add(tracked);
    }
  }
  await Promise.all(active);
}
