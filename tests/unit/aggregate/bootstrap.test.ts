import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bootstrapRuns, pickMetrics, predictionScorer, readPredictions } from "../../../lib/aggregate/index.ts";
import { computeValMetrics } from "../../../lib/metrics/index.ts";
import { stream } from "../../../lib/rng/index.ts";
import { makeRunDir } from "./make-runs.ts";

const tmp = mkdtempSync(join(tmpdir(), "aggregate-bootstrap-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test("predictionScorer(p)(w) equals computeValMetrics on the rows repeated w times", () => {
  const p = readPredictions(makeRunDir(join(tmp, "r42"), { seed: 42, patients: 12 }));
  const rng = stream(1, "test");
  const w = Array.from(p.yTrue, () => rng.int(3));
  const rows = w.flatMap((n, i) => Array.from({ length: n }, () => i));
  const expected = pickMetrics(computeValMetrics(rows.map((i) => p.yTrue[i] as number), rows.map((i) => p.yPred[i] as number), rows.map((i) => p.probs[i] as Float64Array)));
  expect(predictionScorer(p)(w)).toEqual(expected);
  expect(predictionScorer(p)(new Array(p.yTrue.length).fill(0))).toBeNull();
});

test("readPredictions groups rows by patient_id, falling back to accession when it is empty", () => {
  const withIds = readPredictions(makeRunDir(join(tmp, "ids"), { seed: 43, patients: 3 }));
  expect(withIds.groups).toEqual(["patient:P0000", "patient:P0001", "patient:P0001", "patient:P0002"]);
  const without = readPredictions(makeRunDir(join(tmp, "noids"), { seed: 43, patients: 2, patientIds: false }));
  expect(without.groups).toEqual(["accession:A000000", "accession:A000001", "accession:A000001"]);
});

test("bootstrapRuns: runs sharing every patient and identical predictions give the single run's interval", () => {
  const one = readPredictions(makeRunDir(join(tmp, "same1"), { seed: 44, patients: 20 }));
  const two = readPredictions(makeRunDir(join(tmp, "same2"), { seed: 44, patients: 20 }));
  const single = bootstrapRuns([one], { resamples: 100, rng: stream(5, "bootstrap") });
  // Pooled by patient, both runs get the same rows in each resample, so their mean is the single run's value.
  const pooled = bootstrapRuns([one, two], { resamples: 100, rng: stream(5, "bootstrap") });
  expect(pooled.accuracy.low).toBeCloseTo(single.accuracy.low as number, 12);
  expect(pooled.accuracy.high).toBeCloseTo(single.accuracy.high as number, 12);
  expect(pooled.accuracy.valid).toBe(100);
});
