import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkNoLeakage, chooseTestPart, readSplit, splitSides, splitTest, type SplitArtifact, type TestCandidate } from "../../../lib/split/index.ts";
import { runTask, type Clock } from "../../../lib/task/index.ts";
import { tempDir, tinyDicom } from "../../unit/dataset/fixtures.ts";
import { generateCohort } from "../../unit/split/cohorts.ts";

const clock: Clock = { now: () => new Date("2026-01-02T03:04:05Z") };

/** A generated cohort as test candidates (row = position + 2, as a CSV line). */
function candidates(seed: number, groups: number): TestCandidate[] {
  return generateCohort(seed, groups).map((item, i) => ({ ...item, sample: { accession: item.accession, imagePath: `archive/${item.key.replace("|", "/")}`, row: i + 2 } }));
}

describe("chooseTestPart --test-frac", () => {
  const items = candidates(5, 300);
  const options = { testFrac: 0.2, testSeed: 0, datasetSplit: false, csv: "unused.csv", format: "classificacao", dicomRoot: "archive" };

  test("chooseTestPart(items, {testFrac: 0.2}) carves about 20 % of the samples, whole groups, every class in proportion", () => {
    const part = chooseTestPart(items, options);
    expect(part.test.length + part.rest.length).toBe(items.length);
    expect(part.test.length / items.length).toBeGreaterThan(0.17);
    expect(part.test.length / items.length).toBeLessThan(0.23);
    checkNoLeakage(part.rest, part.test, ["rest", "test"]);
    const share = (xs: readonly TestCandidate[], label: number) => xs.filter((x) => x.label === label).length / xs.length;
    for (const label of [1, 2, 3, 4]) expect(Math.abs(share(part.test, label) - share(items, label))).toBeLessThan(0.03);
    expect(part.info).toMatchObject({ source: "frac", frac: 0.2, seed: 0, stream: "test", excluded: 0, size: part.test.length });
  });

  test("the carve depends on --test-seed and the data only: input order does not matter, another test seed gives another part", () => {
    const a = chooseTestPart(items, options);
    const b = chooseTestPart([...items].reverse(), options);
    expect(b.info?.test_hash).toBe(a.info?.test_hash as string);
    const c = chooseTestPart(items, { ...options, testSeed: 1 });
    expect(c.info?.test_hash).not.toBe(a.info?.test_hash as string);
  });

  test("no test source gives no test part; --test-frac outside [0, 1) is refused", () => {
    expect(chooseTestPart(items, { ...options, testFrac: 0 })).toMatchObject({ test: [], info: null });
    expect(() => chooseTestPart(items, { ...options, testFrac: 1 })).toThrow("invalid --test-frac: 1");
  });
});

describe("split task with a test part", () => {
  let tmp: ReturnType<typeof tempDir>;
  let root: string;
  let csv: string;
  /** 24 exams: accession, label, PatientID. */
  const exams = Array.from({ length: 24 }, (_, i) => [String(1000 + i).padStart(6, "0"), 1 + ((i * 7) % 4), `P${Math.floor(i / 2)}`] as const);

  beforeAll(async () => {
    tmp = tempDir("split-test-part-");
    root = join(tmp.dir, "archive");
    let seed = 1;
    for (const [acc, , patientId] of exams) tmp.write(`archive/${acc}/cc.dcm`, await tinyDicom({ accession: acc, patientId, seed: seed++ }));
    csv = tmp.write("classificacao.csv", `AccessionNumber,Classification,ClassificationDate\n${exams.map(([a, l]) => `${a},${l},2021-03-04`).join("\n")}\n`);
  });
  afterAll(() => tmp.cleanup());

  const split = async (params: Record<string, unknown>): Promise<SplitArtifact> => {
    const result = await runTask("split", { csv, dicomRoot: root, ...params }, { quiet: true, clock });
    return readSplit(result.path as string);
  };
  const testKeys = (s: SplitArtifact) => splitTest(s).map((x) => `${x.accession}|${x.image_path}`);

  test("split --test-frac 0.25 keeps the same test part for seeds 42 and 43 and for k-fold; train/val differ per seed", async () => {
    const a = await split({ seed: 42, testFrac: 0.25, outdir: join(tmp.dir, "s42") });
    const b = await split({ seed: 43, testFrac: 0.25, outdir: join(tmp.dir, "s43") });
    const k = await split({ seed: 44, testFrac: 0.25, folds: 3, outdir: join(tmp.dir, "k3") });
    expect(testKeys(a).length).toBeGreaterThan(0);
    expect(testKeys(b)).toEqual(testKeys(a));
    expect(testKeys(k)).toEqual(testKeys(a));
    expect([a.test?.test_hash, k.test?.test_hash]).toEqual([b.test?.test_hash as string, b.test?.test_hash as string]);
    expect(a.split_hash).not.toBe(b.split_hash);
    // Whole patients: P0..P11 each hold two exams.
    const testPatients = new Set(splitTest(a).map((x) => x.patient_id));
    for (const s of a.samples) if (testPatients.has(s.patient_id)) expect(s.fold).toBe("test");
    // Neither side of any fold holds a test sample.
    for (let f = 0; f < 3; f++) {
      const { train, val } = splitSides(k, f);
      expect([...train, ...val].some((x) => x.fold === "test")).toBe(false);
      expect(train.length + val.length + testKeys(k).length).toBe(24);
    }
    expect(a.parts.map((p) => p.name)).toEqual(["train", "val", "test"]);
    expect(a.test).toMatchObject({ source: "frac", frac: 0.25, seed: 0, stream: "test" });
  });

  test("--test-seed moves the test part; without test flags there is none and split.json says test: null", async () => {
    const a = await split({ seed: 42, testFrac: 0.25, testSeed: 7, outdir: join(tmp.dir, "ts7") });
    const b = await split({ seed: 42, testFrac: 0.25, outdir: join(tmp.dir, "ts0") });
    expect(a.test?.test_hash).not.toBe(b.test?.test_hash as string);
    const none = await split({ seed: 42, outdir: join(tmp.dir, "none") });
    expect(none.test).toBeNull();
    expect(splitTest(none)).toEqual([]);
  });

  test("--test-from-csv lists test exams by AccessionNumber; unlisted exams of a test patient are left out of train/val", async () => {
    // 001000 and 001001 belong to P0; only 001000 is listed. 009999 matches nothing.
    const list = tmp.write("test.csv", "AccessionNumber\n001000\n001005\n009999\n");
    const s = await split({ seed: 42, testFromCsv: list, outdir: join(tmp.dir, "fromcsv") });
    expect(splitTest(s).map((x) => x.accession)).toEqual(["001000", "001005"]);
    expect(s.samples.some((x) => x.accession === "001001")).toBe(false);
    expect(s.test).toMatchObject({ source: "csv", file: list, size: 2, excluded: 2, rule: "AccessionNumber column of --test-from-csv" });
    expect(s.warnings.map((w) => w.code)).toContain("test_group_overlap");
    expect(s.warnings.find((w) => w.code === "test_unmatched")?.message).toContain("009999");
    await expect(split({ seed: 42, testFromCsv: list, testFrac: 0.2, outdir: join(tmp.dir, "both") })).rejects.toThrow("both define the test part");
  });

  test("readSplit refuses test samples in a split.json without a test part", async () => {
    const s = await split({ seed: 42, outdir: join(tmp.dir, "edit") });
    const path = join(tmp.dir, "edit", "split.json");
    const raw = JSON.parse(readFileSync(path, "utf8"));
    raw.samples[0].fold = "test";
    raw.split_hash = s.split_hash;
    writeFileSync(path, JSON.stringify(raw));
    expect(() => readSplit(path)).toThrow("without a test part");
  });
});

describe("the dataset's own test split", () => {
  let tmp: ReturnType<typeof tempDir>;
  let root: string;
  const studies = Array.from({ length: 12 }, (_, i) => ({ study: `st${i}`, image: `im${i}`, density: "ABCD"[i % 4], split: i % 4 === 1 || i === 6 ? "test" : "training" }));

  beforeAll(async () => {
    tmp = tempDir("split-dataset-test-");
    root = join(tmp.dir, "images");
    let seed = 1;
    for (const s of studies) tmp.write(`images/${s.study}/${s.image}.dicom`, await tinyDicom({ accession: s.study, patientId: `V${s.study}`, seed: seed++ }));
  });
  afterAll(() => tmp.cleanup());

  const vindrCsv = (rows: typeof studies) =>
    tmp.write("breast-level_annotations.csv", `study_id,series_id,image_id,laterality,view_position,breast_density,split\n${rows.map((s) => `${s.study},se,${s.image},L,CC,DENSITY ${s.density},${s.split}`).join("\n")}\n`);

  test("a VinDr-Mammo CSV's split column gives the test part; --test-frac with it is refused; --no-dataset-split carves instead", async () => {
    const csv = vindrCsv(studies);
    const result = await runTask("split", { csv, dicomRoot: root, seed: 42, outdir: join(tmp.dir, "vindr") }, { quiet: true, clock });
    const s = readSplit(result.path as string);
    expect(splitTest(s).map((x) => x.accession).sort()).toEqual(["st1", "st5", "st6", "st9"]);
    expect(s.test).toMatchObject({ source: "dataset", rule: 'split column = "test"', file: csv, size: 4 });
    await expect(runTask("split", { csv, dicomRoot: root, testFrac: 0.2, outdir: join(tmp.dir, "x") }, { quiet: true, clock })).rejects.toThrow("--no-dataset-split ignores it");
    const carved = readSplit((await runTask("split", { csv, dicomRoot: root, datasetSplit: false, testFrac: 0.25, outdir: join(tmp.dir, "carved") }, { quiet: true, clock })).path as string);
    expect(carved.test?.source).toBe("frac");
  });

  test("a split column with an unknown value is refused naming the row and value", async () => {
    const csv = vindrCsv(studies.map((s, i) => (i === 3 ? { ...s, split: "holdout" } : s)));
    await expect(runTask("split", { csv, dicomRoot: root, outdir: join(tmp.dir, "bad") }, { quiet: true, clock })).rejects.toThrow('row 5: split = "holdout"');
  });

  test("chooseTestPart on CBIS-DDSM takes the *-Test_* cases when the CSV has both Training and Test cases", () => {
    const csv = tmp.write("cbis.csv", "patient_id,breast_density,image file path\n");
    const make = (accession: string, label: number, i: number): TestCandidate => ({ key: `${accession}|f`, group: `patient:${accession.split("_").slice(1, 3).join("_")}`, label, sample: { accession, imagePath: `${accession}/f.dcm`, row: i + 2 } });
    const items = ["Mass-Training_P_00001_LEFT_CC", "Mass-Test_P_00016_LEFT_CC", "Calc-Training_P_00005_RIGHT_CC", "Calc-Test_P_00038_LEFT_MLO"].map((a, i) => make(a, 1 + i, i));
    const part = chooseTestPart(items, { testFrac: 0, testSeed: 0, datasetSplit: true, csv, format: "cbis-ddsm", dicomRoot: "." });
    expect(part.test.map((t) => t.sample.accession)).toEqual(["Mass-Test_P_00016_LEFT_CC", "Calc-Test_P_00038_LEFT_MLO"]);
    expect(part.info?.rule).toBe("CBIS-DDSM *-Test_* cases");
    // Only training cases: no dataset split.
    expect(chooseTestPart([items[0]!, items[2]!], { testFrac: 0, testSeed: 0, datasetSplit: true, csv, format: "cbis-ddsm", dicomRoot: "." }).info).toBeNull();
  });
});
