import { beforeAll, expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../../lib/backend/index.ts";
import { buildModel, gradcam } from "../../../lib/models/index.ts";

const SIZE = 32;
beforeAll(async () => {
  await initBackend("wasm");
});

/** A dark image with a bright 8×8 square whose top-left corner is (row, col). */
function square(row: number, col: number): Float32Array {
  const image = new Float32Array(SIZE * SIZE);
  for (let y = row; y < row + 8; y++) for (let x = col; x < col + 8; x++) image[y * SIZE + x] = 1;
  return image;
}

/** Mean heat of each quadrant: [top-left, top-right, bottom-left, bottom-right]. */
function quadrants(heat: Float32Array): number[] {
  const sums = [0, 0, 0, 0];
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) sums[(y < SIZE / 2 ? 0 : 2) + (x < SIZE / 2 ? 0 : 1)]! += heat[y * SIZE + x]!;
  return sums.map((s) => s / ((SIZE / 2) ** 2));
}

// No conv has a bias and batch-norm starts at β = 0 with moving mean 0, so the feature maps are
// zero where the image is dark; with head weights 0.5 for class 2 its evidence is the square.
function evidenceModel() {
  const built = buildModel(tf, { arch: "small-cnn", imgSize: SIZE, seed: 11 });
  const dense = built.model.getLayer("head_dense");
  const [kernel, bias] = dense.getWeights() as [tf.Tensor2D, tf.Tensor1D];
  const rows = kernel.arraySync();
  for (const row of rows) row[2] = 0.5;
  dense.setWeights([tf.tensor2d(rows), bias]);
  return built;
}

test("gradcam puts the heat where the class evidence is: each quadrant in turn", () => {
  const built = evidenceModel();
  const corners: [number, number][] = [[2, 3], [4, 21], [20, 5], [22, 22]];
  corners.forEach(([row, col], quadrant) => {
    const heat = gradcam(tf, built.model, built.gradcamLayer, square(row, col), SIZE, 2).values;
    const means = quadrants(heat);
    expect(means.indexOf(Math.max(...means))).toBe(quadrant);
  });
  built.model.dispose();
});

test("gradcam's map is size × size in [0, 1] and aligned with the image: its maximum lies on the square", () => {
  const built = evidenceModel();
  const heat = gradcam(tf, built.model, built.gradcamLayer, square(20, 5), SIZE, 2).values;
  expect(heat.length).toBe(SIZE * SIZE);
  expect(Math.min(...heat)).toBe(0);
  expect(Math.max(...heat)).toBe(1);
  const peak = heat.indexOf(1);
  const [y, x] = [Math.floor(peak / SIZE), peak % SIZE];
  expect(y >= 20 - 1 && y < 28 + 1 && x >= 5 - 1 && x < 13 + 1).toBe(true);
  built.model.dispose();
});

test("gradcam of an image without evidence (all dark: zero feature maps) is all zeros", () => {
  const built = evidenceModel();
  const heat = gradcam(tf, built.model, built.gradcamLayer, new Float32Array(SIZE * SIZE), SIZE, 2).values;
  expect(heat.every((v) => v === 0)).toBe(true);
  built.model.dispose();
});

test("gradcam needs the embedding of a fused model and refuses a layer the head does not pool", () => {
  const built = buildModel(tf, { arch: "small-cnn", imgSize: SIZE, embeddingDim: 4, seed: 2 });
  expect(() => gradcam(tf, built.model, built.gradcamLayer, square(0, 0), SIZE, 1)).toThrow("pass it");
  expect(() => gradcam(tf, built.model, "block2_relu", square(0, 0), SIZE, 1)).toThrow("block2_relu is not the feature map the head pools (block3_relu)");
  const heat = gradcam(tf, built.model, built.gradcamLayer, square(0, 0), SIZE, 1, new Float32Array([1, 0, 0, 1])).values;
  expect(heat.length).toBe(SIZE * SIZE);
  built.model.dispose();
});

test("gradcam's map at the network's resolution (small-cnn: 32 px / 4 = 8 × 8) has its maximum in the square's cell", () => {
  const built = evidenceModel();
  const { map } = gradcam(tf, built.model, built.gradcamLayer, square(20, 5), SIZE, 2);
  expect([map.width, map.height]).toEqual([8, 8]);
  expect(Math.max(...map.values)).toBe(1);
  const peak = map.values.indexOf(1);
  // The square covers image rows 20..27 and columns 5..12: cells (5..6, 1..3) of the 4-px grid.
  const [y, x] = [Math.floor(peak / 8), peak % 8];
  expect(y >= 5 && y <= 6 && x >= 1 && x <= 3).toBe(true);
  built.model.dispose();
});
