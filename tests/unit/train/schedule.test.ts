import { expect, test } from "bun:test";
import { initialLrState, initialStopState, lrAfterEpoch, lrScaleFor, stopAfterEpoch, type LrScheduleOptions } from "../../../lib/train/schedule.ts";

const base: LrScheduleOptions = { name: "none", epochs: 5, patience: 1, factor: 0.5, minLr: 1e-5, stepEpochs: 2, baseLr: 1e-4 };

test("lrScaleFor step halves every 2 epochs down to minLr/baseLr", () => {
  const o = { ...base, name: "step" as const };
  expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map((e) => lrScaleFor(o, initialLrState(), e))).toEqual([1, 1, 0.5, 0.5, 0.25, 0.25, 0.125, 0.125, 0.1]);
});

test("lrScaleFor cosine goes 1 → floor over the epochs, 0.55 half way", () => {
  const o = { ...base, name: "cosine" as const };
  const s = [1, 2, 3, 4, 5].map((e) => lrScaleFor(o, initialLrState(), e));
  expect(s[0]).toBe(1);
  expect(s[2]).toBeCloseTo(0.55, 12);
  expect(s[4]).toBeCloseTo(0.1, 12);
});

test("lrAfterEpoch plateau reduces after patience+1 epochs without improvement", () => {
  const o = { ...base, name: "plateau" as const };
  let st = initialLrState();
  const scales: number[] = [];
  for (const v of [0.5, 0.6, 0.6, 0.59, 0.7, 0.7, 0.7]) {
    st = lrAfterEpoch(o, st, v);
    scales.push(st.scale);
  }
  expect(scales).toEqual([1, 1, 1, 0.5, 0.5, 0.5, 0.25]);
});

test("stopAfterEpoch keeps the earlier epoch on ties and stops after patience epochs within min-delta", () => {
  let st = initialStopState();
  const seen: [number | null, boolean][] = [];
  [0.5, 0.5, 0.52, 0.53].forEach((v, i) => {
    st = stopAfterEpoch(st, i + 1, v, 3, 0.05).state;
    seen.push([st.bestEpoch, st.stopped]);
  });
  expect(seen).toEqual([
    [1, false],
    [1, false],
    [3, false],
    [4, true],
  ]);
  expect(stopAfterEpoch(initialStopState(), 1, 0.1, 0, 0).state.stopped).toBe(false);
});
