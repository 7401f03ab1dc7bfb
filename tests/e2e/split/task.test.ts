import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sha256File } from "../../../lib/artifacts/index.ts";
import { loadDataset } from "../../../lib/dataset/index.ts";
import { checkNoLeakage, readSplit, splitSides, type SplitArtifact } from "../../../lib/split/index.ts";
import { loadTask, quietContext, runTask, validateParams, type Clock } from "../../../lib/task/index.ts";
import { tempDir, tinyDicom } from "../../unit/dataset/fixtures.ts";

/** Exams: accession, label, PatientID ("" = unknown), number of views. */
const EXAMS: [string, number, string, number][] = [
  ["000101", 2, "P01", 2],
  ["000102", 3, "P01", 1],
  ["000103", 3, "P02", 2],
  ["000104", 4, "P03", 1],
  ["000105", 3, "P04", 2],
  ["000106", 2, "P05", 1],
  ["000107", 3, "P06", 1],
  ["000108", 4, "P06", 2],
  ["000109", 1, "P07", 2],
  ["000110", 3, "", 1],
  ["000111", 2, "", 2],
  ["000112", 4, "P08", 1],
  ["000113", 3, "P09", 1],
  ["000114", 2, "P10", 2],
  ["000115", 3, "P11", 1],
  ["000116", 4, "P12", 1],
  ["000117", 3, "P13", 2],
  ["000118", 2, "P14", 1],
];
const CSV_HEADER = "AccessionNumber,Classification,ClassificationDate\n";
const csvRows = EXAMS.map(([acc, label]) => `${acc},${label},2021-03-04\n`).join("");

const clock: Clock = { now: () => new Date("2026-01-02T03:04:05Z") };
let tmp: ReturnType<typeof tempDir>;
let root: string;
let csv: string;

beforeAll(async () => {
  tmp = tempDir("split-task-");
  root = join(tmp.dir, "archive");
  let seed = 1;
  for (const [acc, , patientId, views] of [...EXAMS, ["000199", 5, "P99", 1] as const]) {
    for (let v = 0; v < views; v++) {
      tmp.write(`archive/${acc}/${v === 0 ? "cc" : "mlo"}.dcm`, await tinyDicom({ accession: acc, patientId, view: v === 0 ? "CC" : "MLO", seed: seed++ }));
    }
  }
  csv = tmp.write("classificacao.csv", CSV_HEADER + csvRows);
});

afterAll(() => tmp.cleanup());

const split = (params: Record<string, unknown>) => runTask("split", { csv, dicomRoot: root, views: "all", ...params }, { quiet: true, clock });
const folds = (s: SplitArtifact) => s.samples.map((x) => [x.image_path, x.fold]);

describe("split task", () => {
  test("split --folds 3 writes split.json: every image once, each patient in one fold, groups by patient else accession", async () => {
    const outdir = join(tmp.dir, "k3");
    const result = await split({ seed: 42, folds: 3, outdir });
    expect(result.path).toBe(join(outdir, "split.json"));
    const s = readSplit(join(outdir, "split.json"));
    expect([s.kind, s.folds, s.val_frac, s.seed, s.stream, s.n_samples, s.n_groups]).toEqual(["kfold", 3, null, 42, "fold", 26, 16]);
    expect(s.class_histogram).toEqual({ "1": 2, "2": 8, "3": 11, "4": 5 });
    expect(s.parts.map((p) => p.size).reduce((a, b) => a + b, 0)).toBe(26);
    expect(s.samples.find((x) => x.accession === "000110")?.group).toBe("accession:000110");
    expect(new Set(s.samples.filter((x) => x.patient_id === "P01").map((x) => x.group))).toEqual(new Set(["patient:P01"]));
    const foldOf = new Map<string, unknown>();
    for (const x of s.samples) {
      expect(foldOf.get(x.group) ?? x.fold).toBe(x.fold);
      foldOf.set(x.group, x.fold);
    }
    for (let k = 0; k < 3; k++) {
      const { train, val } = splitSides(s, k);
      expect(train.length + val.length).toBe(26);
      checkNoLeakage(train, val);
    }
    // Provenance: the CSV's hash and the dataset fingerprint.
    expect(s.inputs).toEqual({ [csv]: sha256File(csv) });
    expect(s.data_fingerprint).toBe((await loadDataset({ csv, dicomRoot: root, views: "all" })).fingerprint);
    // Class A has one patient for 3 folds: said so in the artifact.
    expect(s.warnings.map((w) => w.code)).toEqual(["class_too_rare"]);
    expect(s.warnings[0]?.message).toStartWith("class 1 (A) has 1 group(s) for 3 parts");
  });

  test("split with the same seed writes the same split.json byte for byte; another seed changes the assignment", async () => {
    const outdir = join(tmp.dir, "same");
    await split({ seed: 42, outdir });
    const first = readFileSync(join(outdir, "split.json"));
    await split({ seed: 42, outdir });
    expect(readFileSync(join(outdir, "split.json")).equals(first)).toBe(true);
    await split({ seed: 43, outdir: join(tmp.dir, "other") });
    const a = readSplit(join(outdir, "split.json"));
    const b = readSplit(join(tmp.dir, "other", "split.json"));
    expect(b.split_hash).not.toBe(a.split_hash);
    expect(folds(b)).not.toEqual(folds(a));
  });

  test("split is unchanged by a new class-5 row that is then excluded", async () => {
    const withClass5 = tmp.write("with5.csv", `${CSV_HEADER}000199,5,2021-03-04\n${csvRows}`);
    await split({ seed: 42, folds: 3, outdir: join(tmp.dir, "base5") });
    await runTask("split", { csv: withClass5, dicomRoot: root, views: "all", seed: 42, folds: 3, outdir: join(tmp.dir, "with5") }, { quiet: true, clock });
    const a = readSplit(join(tmp.dir, "base5", "split.json"));
    const b = readSplit(join(tmp.dir, "with5", "split.json"));
    expect(b.samples).toEqual(a.samples);
    expect(b.split_hash).toBe(a.split_hash);
  });

  test("split hold-out records train/val per image and prints the coverage warning on the console", async () => {
    const task = await loadTask("split");
    const outdir = join(tmp.dir, "holdout");
    const warnings: string[] = [];
    const ctx = quietContext("split", {}, clock);
    const params = validateParams(task, { csv, dicomRoot: root, views: "all", seed: 42, valFrac: 0.25, outdir });
    await task.run(params as never, { ...ctx, log: { ...ctx.log, warn: (m: string) => void warnings.push(m) } });
    const s = readSplit(join(outdir, "split.json"));
    expect([s.kind, s.folds, s.val_frac, s.stream]).toEqual(["holdout", null, 0.25, "split"]);
    expect(s.parts.map((p) => p.name)).toEqual(["train", "val"]);
    expect(new Set(s.samples.map((x) => x.fold))).toEqual(new Set(["train", "val"]));
    const { train, val } = splitSides(s);
    checkNoLeakage(train, val);
    expect(warnings).toEqual(s.warnings.map((w) => w.message));
    expect(warnings.some((w) => w.startsWith("class 1 (A) has 1 group(s) for 2 parts"))).toBe(true);
  });

  test("split --subset 6 keeps 6 groups drawn with the seed", async () => {
    const outdir = join(tmp.dir, "subset");
    await split({ seed: 42, subset: 6, outdir });
    const s = readSplit(join(outdir, "split.json"));
    expect(s.n_groups).toBe(6);
    expect(s.subset).toMatchObject({ groups: 6, of_groups: 16, stream: "subset" });
  });

  test("readSplit refuses a split.json whose assignment was edited, and splitSides checks the fold", async () => {
    const outdir = join(tmp.dir, "edited");
    await split({ seed: 42, folds: 3, outdir });
    const path = join(outdir, "split.json");
    const s = readSplit(path);
    expect(() => splitSides(s, 3)).toThrow("invalid fold: 3 (expected 0..2 for a 3-fold split)");
    expect(() => splitSides(s)).toThrow("invalid fold: null");
    const raw = JSON.parse(readFileSync(path, "utf8"));
    raw.samples[0].fold = (raw.samples[0].fold + 1) % 3;
    writeFileSync(path, JSON.stringify(raw));
    expect(() => readSplit(path)).toThrow(`invalid split ${path}: split_hash`);
    raw.samples[0].fold = "val";
    writeFileSync(path, JSON.stringify(raw));
    expect(() => readSplit(path)).toThrow("not valid for kfold with 3 folds");
  });

  test("split --folds 20 on 16 groups is a usage error naming the counts", async () => {
    await expect(split({ seed: 42, folds: 20, outdir: join(tmp.dir, "tiny") })).rejects.toThrow("16 group(s) (patients/accessions) cannot fill 20 folds");
  });
});
