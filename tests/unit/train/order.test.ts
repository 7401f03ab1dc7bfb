import { expect, test } from "bun:test";
import { batches, epochOrder } from "../../../lib/train/order.ts";

const labels = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3];

test("epochOrder(labels, e, seed, false) is a permutation that depends on epoch and seed only", () => {
  const a = epochOrder(labels, 1, 42, false);
  expect([...a].sort((x, y) => x - y)).toEqual(labels.map((_, i) => i));
  expect(epochOrder(labels, 1, 42, false)).toEqual(a);
  expect(epochOrder(labels, 2, 42, false)).not.toEqual(a);
  expect(epochOrder(labels, 1, 43, false)).not.toEqual(a);
});

test("epochOrder(labels, e, seed, true) draws N with replacement, each class about equally often", () => {
  const counts = [0, 0, 0, 0];
  for (let e = 1; e <= 200; e++) {
    const order = epochOrder(labels, e, 7, true);
    expect(order.length).toBe(labels.length);
    for (const i of order) counts[labels[i] as number]! += 1;
  }
  // 2400 draws, each class has total weight 1/4: expect 600 ± ~5σ (σ ≈ 21).
  for (const c of counts) expect(Math.abs(c - 600)).toBeLessThan(110);
  // With replacement: some epoch repeats an index.
  expect(new Set(epochOrder(labels, 1, 7, true)).size).toBeLessThan(labels.length);
});

test("batches([0..4], 2) keeps the short last batch", () => {
  expect(batches([0, 1, 2, 3, 4], 2)).toEqual([[0, 1], [2, 3], [4]]);
});
