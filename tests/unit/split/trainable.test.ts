import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Dataset, Sample } from "../../../lib/dataset/index.ts";
import { checkTrainable } from "../../../lib/split/index.ts";
import { runTask } from "../../../lib/task/index.ts";
import { chooseSplit } from "../../../lib/train/data.ts";
import { tempDir, tinyDicom } from "../dataset/fixtures.ts";
import { refusal, refusalSync } from "../../support/refusal.ts";

const items = (...labels: number[]) => labels.map((label) => ({ label }));


describe("checkTrainable(sides, hint)", () => {
  test("checkTrainable refuses an empty validation side, naming both counts and the class histogram", () => {
    const err = refusalSync(() => checkTrainable([{ name: "the split", train: items(1, 2, 3), val: [] }], "use more data"));
    expect(err.code).toBe("untrainable_split");
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe("the split leaves 3 training and 0 validation samples (of 3: A 1, B 1, C 1); use more data");
  });

  test("checkTrainable refuses a single-class cohort and a single-class training side", () => {
    expect(refusalSync(() => checkTrainable([{ name: "the split", train: items(3, 3, 3), val: items(3) }], "h")).message).toBe(
      "the split: all 4 samples are of one class (C 4): a density classifier needs at least two classes to train on; h",
    );
    expect(refusalSync(() => checkTrainable([{ name: "fold 2 of 3", train: items(2, 2), val: items(4) }], "h")).message).toBe(
      "fold 2 of 3: its 2 training samples are of one class (B 2): a density classifier needs at least two classes to train on; h",
    );
  });

  test("checkTrainable passes two classes on the training side and any non-empty validation side", () => {
    expect(() => checkTrainable([{ name: "the split", train: items(1, 2), val: items(2) }], "h")).not.toThrow();
  });
});

let tmp: ReturnType<typeof tempDir>;
let root: string;

beforeAll(async () => {
  tmp = tempDir("trainable-");
  root = join(tmp.dir, "archive");
  for (let i = 1; i <= 8; i++) tmp.write(`archive/${String(i).padStart(6, "0")}/1.dcm`, await tinyDicom({ seed: i, patientId: `P${i}` }));
});
afterAll(() => tmp.cleanup());

let runs = 0;
const split = (csv: string, params: Record<string, unknown> = {}) =>
  runTask("split", { csv, dicomRoot: root, cacheDir: join(tmp.dir, "cache"), outdir: join(tmp.dir, "out", String(++runs)), ...params }, { quiet: true });

describe("split task refuses a split that cannot train", () => {
  const mixed = "AccessionNumber,Classification\n000001,1\n000002,2\n000003,3\n000004,4\n000005,2\n000006,3\n000007,3\n000008,4\n";

  test("split --subset 2 is refused, naming the counts (it wrote 0 validation samples and exited 0)", async () => {
    const csv = tmp.write("mixed.csv", mixed);
    const err = await refusal(() => split(csv, { subset: 2, seed: 42 }));
    expect(err.code).toBe("untrainable_split");
    expect(err.message).toBe(
      "the split (--val-frac 0.2, --subset 2) leaves 2 training and 0 validation samples (of 2: B 1, C 1); use more data, a larger --val-frac or --subset, and check the labels in --csv",
    );
  });

  test("split on a small CSV with a BOM and semicolons is refused when validation would be empty", async () => {
    const csv = tmp.write("bom.csv", "\uFEFFAccessionNumber;Classification;ClassificationDate\n000001;1;d\n000002;2;d\n000003;3;d\n");
    const err = await refusal(() => split(csv));
    expect(err.code).toBe("untrainable_split");
    expect(err.message).toStartWith("the split (--val-frac 0.2) leaves 3 training and 0 validation samples (of 3: A 1, B 1, C 1)");
  });

  test("split on a single-class cohort is refused (train scored accuracy 1.000 with class weights [0, 0, 1, 0])", async () => {
    const csv = tmp.write("one-class.csv", "AccessionNumber,Classification\n000001,3\n000002,3\n000003,3\n000004,3\n000005,3\n");
    const err = await refusal(() => split(csv));
    expect(err.message).toStartWith("the split (--val-frac 0.2): all 5 samples are of one class (C 5)");
    const kfold = await refusal(() => split(csv, { folds: 2 }));
    expect(kfold.message).toStartWith("fold 1 of 2: all 5 samples are of one class (C 5)");
  });

  test("split refuses one accession spelt two ways with two labels (split.json held the image twice)", async () => {
    const csv = tmp.write("spellings.csv", "AccessionNumber,Classification\n000001,2\n000002,3\n./000001,4\n");
    const err = await refusal(() => split(csv));
    expect(err.code).toBe("conflicting_labels");
    expect(err.message).toContain('row 4: accession "000001" has label 4, but row 2 gave it label 2');
  });

  test("split reads a path-based CSV's ambiguous labels only with --label-coding", async () => {
    const csv = tmp.write("paths.csv", `image_path,label\n${[1, 2, 3, 4, 5, 6, 7, 8].map((i) => `${String(i).padStart(6, "0")}/1.dcm,${1 + (i % 3)}`).join("\n")}\n`);
    const err = await refusal(() => split(csv));
    expect(err.code).toBe("ambiguous_labels");
    expect(err.message).toContain("pass --label-coding 0-3 or --label-coding 1-4");
    const made = await split(csv, { labelCoding: "0-3", outdir: join(tmp.dir, "coded") });
    const artifact = JSON.parse(await Bun.file(made.path as string).text());
    // Values 1, 2, 3 counted from 0 are B, C, D.
    expect([...new Set(artifact.samples.map((s: { label: number }) => s.label))].sort()).toEqual([2, 3, 4]);
  });
});

describe("chooseSplit (train without --split)", () => {
  const sample = (i: number, label: 1 | 2 | 3 | 4): Sample => ({ accession: `A${i}`, patientId: null, label, imagePath: `/x/${i}.dcm`, viewPosition: null, laterality: null, row: i + 1, sha256: String(i) });
  const dataset = (samples: Sample[]): Dataset => ({ samples, fingerprint: "f", unreadable: [], totalFiles: samples.length, format: "classificacao", csvRows: samples.length, missing: [], unlistedDirs: [], skipped: { class5: 0, emptyLabel: 0, duplicates: 0, linkedFiles: 0 } });
  const log = { info() {}, warn() {} };

  test("chooseSplit refuses a single-class dataset before any training", () => {
    const err = refusalSync(() => chooseSplit(dataset([1, 2, 3, 4, 5, 6].map((i) => sample(i, 3))), { valFrac: 0.3, seed: 42 }, log));
    expect(err.code).toBe("untrainable_split");
    expect(err.message).toStartWith("the split (--val-frac 0.3): all 6 samples are of one class (C 6)");
  });

  test("chooseSplit refuses a hold-out whose validation side is empty, naming the counts", () => {
    const err = refusalSync(() => chooseSplit(dataset([sample(1, 1), sample(2, 2), sample(3, 3)]), { valFrac: 0.1, seed: 42 }, log));
    expect(err.message).toStartWith("the split (--val-frac 0.1) leaves 3 training and 0 validation samples");
  });
});
