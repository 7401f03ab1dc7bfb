import { expect, test } from "bun:test";
import { applyAugment, drawAugment } from "../../../lib/train/augment.ts";
import { stream } from "../../../lib/rng/index.ts";

// 3×3 image, row-major: value = 10·row + col.
const image = Float32Array.from([0, 1, 2, 10, 11, 12, 20, 21, 22]);

test("applyAugment with flip and 0° mirrors each row exactly", () => {
  expect([...applyAugment(image, 3, { flip: true, degrees: 0 })]).toEqual([2, 1, 0, 12, 11, 10, 22, 21, 20]);
  expect([...applyAugment(image, 3, { flip: false, degrees: 0 })]).toEqual([...image]);
});

test("applyAugment by 90° turns the image counter-clockwise about its centre", () => {
  const out = applyAugment(image, 3, { flip: false, degrees: 90 });
  // Counter-clockwise: the right column becomes the top row.
  expect([...out].map((v) => Math.round(v * 1e6) / 1e6)).toEqual([2, 12, 22, 1, 11, 21, 0, 10, 20]);
});

test("drawAugment draws flips at p≈0.5 and angles within ±5°, reproducibly", () => {
  const rng = stream(42, "augment/epoch/1");
  const draws = Array.from({ length: 2000 }, () => drawAugment(rng));
  const flips = draws.filter((d) => d.flip).length;
  expect(Math.abs(flips - 1000)).toBeLessThan(120);
  expect(draws.every((d) => d.degrees >= -5 && d.degrees <= 5)).toBe(true);
  expect(Math.min(...draws.map((d) => d.degrees))).toBeLessThan(-4.9);
  expect(drawAugment(stream(42, "augment/epoch/1"))).toEqual(draws[0] as (typeof draws)[number]);
});
