import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readAggregate } from "../../../reports/inputs/aggregate.ts";
import { bestSoFar, readHpoStudy } from "../../../reports/inputs/hpo.ts";
import { readRun } from "../../../reports/inputs/run.ts";
import { PUBLISHED_RUNS, SCRIPT_ACCESSION, writeHpoDir, writeRunDir, type RunSpec } from "./fixtures.ts";

const root = mkdtempSync(join(tmpdir(), "report-inputs-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("readRun", () => {
  const dir = writeRunDir(join(root, "results_4"), PUBLISHED_RUNS[0] as RunSpec);
  test("readRun(results_4) reads seed 42, 10 epochs, 374 predictions and 5 Grad-CAM overlays in index order", () => {
    const run = readRun(dir);
    expect(run.seed).toBe(42);
    expect(run.fold).toBeNull();
    expect(run.history?.map((h) => h.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(run.history?.[6]?.val_kappa).toBe(0.697);
    expect(run.predictions?.length).toBe(374);
    expect(run.predictions?.some((p) => p.accession === SCRIPT_ACCESSION)).toBe(true);
    expect(run.gradcam.map((g) => [g.index, g.pred, g.true])).toEqual([[0, 2, 2], [1, 1, 2], [2, 3, 3], [3, 0, 0], [4, 2, 3]]);
  });
  test("readRun names the missing summary.json", () => {
    const empty = join(root, "empty");
    mkdirSync(empty);
    expect(() => readRun(empty)).toThrow(`missing run summary: ${join(empty, "summary.json")}`);
  });
  test("readRun names the file, row and value of a bad y_true in val_predictions.csv", () => {
    const bad = writeRunDir(join(root, "bad"), PUBLISHED_RUNS[1] as RunSpec);
    writeFileSync(join(bad, "val_predictions.csv"), "accession,image_path,professional_label,y_true,y_pred,p_A,p_B,p_C,p_D,patient_id\n001,a.dcm,1,0,0,1,0,0,0,P1\n002,b.dcm,2,x,1,0,1,0,0,P2\n");
    expect(() => readRun(bad)).toThrow(`${join(bad, "val_predictions.csv")} row 3: y_true is not a class index 0..3: "x"`);
  });
});

describe("readHpoStudy", () => {
  test("readHpoStudy(dir with trial_*/results/optuna_trial.json) finds six trials, trial 2 failed", () => {
    const study = readHpoStudy(writeHpoDir(join(root, "hpo")));
    expect(study.readFrom).toBe("optuna_trial.json");
    expect(study.trials.map((t) => [t.trialId, t.objective, t.state])).toEqual([
      [0, 0.61, "complete"],
      [1, 0.66, "complete"],
      [2, null, "failed"],
      [3, 0.64, "complete"],
      [4, 0.7, "complete"],
      [5, 0.69, "complete"],
    ]);
    expect(bestSoFar(study)).toEqual([0.61, 0.66, 0.66, 0.66, 0.7, 0.7]);
  });
  test("readHpoStudy prefers the hpo task's hpo_summary.json and follows its direction", () => {
    const dir = join(root, "hpo-summary");
    mkdirSync(dir);
    writeFileSync(
      join(dir, "hpo_summary.json"),
      JSON.stringify({ objective: "val_loss", direction: "minimize", trials: [{ number: 1, state: "complete", value: 0.4 }, { number: 0, state: "complete", value: 0.5 }, { number: 2, state: "pruned", value: null }] }),
    );
    const study = readHpoStudy(dir);
    expect(study.readFrom).toBe("hpo_summary.json");
    expect(study.objectiveName).toBe("val_loss");
    expect(study.trials.map((t) => [t.trialId, t.state])).toEqual([[0, "complete"], [1, "complete"], [2, "pruned"]]);
    expect(bestSoFar(study)).toEqual([0.5, 0.4, 0.4]);
  });
  test("readHpoStudy reads a bare trials.json array with trial_id/objective keys", () => {
    const dir = join(root, "hpo-array");
    mkdirSync(dir);
    writeFileSync(join(dir, "trials.json"), JSON.stringify([{ trial_id: "trial_0003", objective: 0.7 }, { trial_id: 1, objective: null }]));
    expect(readHpoStudy(dir).trials.map((t) => [t.trialId, t.objective, t.state])).toEqual([[1, null, "failed"], [3, 0.7, "complete"]]);
  });
  test("readHpoStudy of a directory without trials says what it looked for", () => {
    const dir = join(root, "hpo-empty");
    mkdirSync(dir);
    expect(() => readHpoStudy(dir)).toThrow(`no trials in ${dir}: no hpo_summary.json, trials.json, study.json and no optuna_trial.json`);
  });
});

describe("readAggregate", () => {
  test("readAggregate rejects an artifact of another task, naming it", () => {
    const path = join(root, "summary-as-aggregate.json");
    writeFileSync(path, JSON.stringify({ schemaVersion: 1, task: "train", createdAt: "x", params: {}, inputs: {}, provenance: {} }));
    expect(() => readAggregate(path)).toThrow(`${path} was written by task "train", expected "aggregate"`);
  });
  test("readAggregate names a field of the wrong type", () => {
    const path = join(root, "bad-aggregate.json");
    writeFileSync(path, JSON.stringify({ schemaVersion: 1, task: "aggregate", createdAt: "x", params: {}, inputs: {}, provenance: {}, sigma: "both", confidence: 0.95, runs: [], metrics: {} }));
    expect(() => readAggregate(path)).toThrow(`invalid aggregate ${path}: field sigma`);
  });
});
