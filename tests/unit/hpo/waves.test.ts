import { expect, test } from "bun:test";
import { inWaves } from "../../../lib/hpo/waves.ts";

/** Items 0…n-1 through inWaves; each runs until the test ends it. Returns the waves started and a way to end items. */
function harness(n: number, workers: number) {
  const waves: number[][] = [];
  const ends = new Map<number, () => void>();
  let nextItem = 0;
  const done = inWaves(
    workers,
    async () => (nextItem < n ? nextItem++ : undefined),
    (wave) => {
      waves.push(wave);
      return wave.map((item) => new Promise<void>((resolve) => ends.set(item, resolve)));
    },
  );
  const end = async (...items: number[]) => {
    for (const item of items) ends.get(item)?.();
    for (let k = 0; k < 5; k++) await Promise.resolve(); // let inWaves take the freed slots
    await Bun.sleep(0);
  };
  return { waves, end, done };
}

test("inWaves starts the first `workers` items as one wave, then fills freed slots, items freed together in one wave", async () => {
  const h = harness(7, 3);
  await h.end();
  expect(h.waves).toEqual([[0, 1, 2]]);
  await h.end(1);
  expect(h.waves).toEqual([[0, 1, 2], [3]]);
  await h.end(0, 2);
  expect(h.waves).toEqual([[0, 1, 2], [3], [4, 5]]);
  await h.end(3, 4, 5);
  expect(h.waves).toEqual([[0, 1, 2], [3], [4, 5], [6]]);
  await h.end(6);
  await h.done;
});

test("inWaves with one worker runs items one at a time, and with more workers than items starts them all at once", async () => {
  const one = harness(3, 1);
  for (const item of [0, 1, 2]) await one.end(item - 1, item);
  await one.end(2);
  await one.done;
  expect(one.waves).toEqual([[0], [1], [2]]);
  const many = harness(4, 10);
  await many.end();
  expect(many.waves).toEqual([[0, 1, 2, 3]]);
  await many.end(0, 1, 2, 3);
  await many.done;
});
