import { expect, test } from "bun:test";
import { jet, overlayHeatmap } from "../../../lib/train/overlay.ts";

test("jet(0) is dark blue, jet(0.5) green-cyan, jet(1) dark red", () => {
  expect(jet(0)).toEqual([0, 0, 128]);
  expect(jet(0.5)).toEqual([128, 255, 128]);
  expect(jet(1)).toEqual([128, 0, 0]);
});

test("overlayHeatmap colours pixel (row, col) by heat (row, col): 0.6·grey + 0.4·jet", () => {
  const size = 3;
  const image = new Float32Array(9).fill(0.5);
  const heat = new Float32Array(9);
  heat[1 * size + 2] = 1; // hot spot at row 1, column 2
  const rgb = overlayHeatmap(image, heat, size);
  const at = (r: number, c: number) => [...rgb.subarray(3 * (r * size + c), 3 * (r * size + c) + 3)];
  // grey 127.5: hot → 0.6·127.5 + 0.4·(128, 0, 0); cold → 0.6·127.5 + 0.4·(0, 0, 128).
  expect(at(1, 2)).toEqual([128, 77, 77]);
  expect(at(0, 0)).toEqual([77, 77, 128]);
  expect(at(2, 1)).toEqual([77, 77, 128]);
});
