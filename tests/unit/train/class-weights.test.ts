import { expect, test } from "bun:test";
import { autoClassWeights, classCounts } from "../../../lib/train/class-weights.ts";

test("autoClassWeights([0×6, 1×3, 2×2, 3×1], 4) is N/(K·n_c) = 12/(4·n_c)", () => {
  const labels = [0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 3];
  expect(classCounts(labels, 4)).toEqual([6, 3, 2, 1]);
  expect(autoClassWeights(labels, 4)).toEqual([0.5, 1, 1.5, 3]);
});

test("autoClassWeights gives an absent class weight 0 and counts K over present classes", () => {
  // N = 4, K = 2 present: w = 4 / (2·n_c).
  expect(autoClassWeights([0, 0, 0, 2], 4)).toEqual([4 / 6, 0, 2, 0]);
});

test("classCounts rejects a class index outside 0..K-1", () => {
  expect(() => classCounts([0, 4], 4)).toThrow("class index 4 outside 0..3");
});
