import { expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs";
import { averageProbabilities, imageBatch } from "../../../lib/predict/index.ts";

test("imageBatch(channels: 3) repeats the grey value into every channel, in the order of the indices", () => {
  const images = [Float32Array.from([0, 0.25, 0.5, 0.75]), Float32Array.from([1, 2, 3, 4])];
  const batch = imageBatch(tf, { images, imgSize: 2, channels: 3 }, [1, 0]);
  expect(batch.shape).toEqual([2, 2, 2, 3]);
  expect(Array.from(batch.dataSync())).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 0, 0, 0, 0.25, 0.25, 0.25, 0.5, 0.5, 0.5, 0.75, 0.75, 0.75]);
  const grey = imageBatch(tf, { images, imgSize: 2, channels: 1 }, [0]);
  expect(Array.from(grey.dataSync())).toEqual([0, 0.25, 0.5, 0.75]);
  tf.dispose([batch, grey]);
});

test("averageProbabilities is the mean per image and class", () => {
  expect(averageProbabilities([[[0.5, 0.5]], [[0.1, 0.9]]])).toEqual([[0.3, 0.7]]);
  expect(averageProbabilities([])).toEqual([]);
});
