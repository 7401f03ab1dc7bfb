import { hashJson } from "../artifacts/index.ts";
import { readCsv } from "../dataset/csv.ts";
import { relativePosix } from "../dataset/files.ts";
import { usageError } from "../errors/index.ts";
import { deriveSeed } from "../rng/index.ts";
import { compareStrings } from "./order.ts";
import { testCarve } from "./split.ts";
import type { SplitItem, SplitWarning } from "./types.ts";

/** A sample the test part can be chosen from: split item plus what identifies it in a CSV. */
export interface TestCandidate extends SplitItem {
  sample: { accession: string; imagePath: string; row: number };
}

/**
 * Where the test part came from:
 * - `frac`: carved here, `--test-frac` of the samples, grouped and stratified, ordered by the
 *   stream "test" of `--test-seed` (fixed default, never the run's seed);
 * - `dataset`: the dataset's own split (a `split` column such as VinDr-Mammo's, or CBIS-DDSM's
 *   `*-Test_*` cases);
 * - `csv`: the samples a `--test-from-csv` file lists.
 */
export type TestSource = "frac" | "dataset" | "csv";

/** `test` of split.json: how the test part was chosen and what it holds. */
export interface TestPartInfo {
  source: TestSource;
  /** `--test-frac` (source `frac`), else null. */
  frac: number | null;
  /** `--test-seed` and its stream (source `frac`), else null. */
  seed: number | null;
  stream: string | null;
  stream_seed: number | null;
  /** The file the listed test part came from (the label CSV or `--test-from-csv`), else null. */
  file: string | null;
  /** How test rows were recognised, e.g. `split column = "test"` or `AccessionNumber column`. */
  rule: string;
  /** Samples and groups in the test part. */
  size: number;
  groups: number;
  /** Samples left out of train/val because their patient (group) also has test samples (listed test parts only). */
  excluded: number;
  /** SHA-256 of the sorted keys (accession|image path) of the test samples: equal for every seed's split. */
  test_hash: string;
}

export interface TestPartOptions {
  /** Share of the samples to carve (0 = none unless the dataset or a CSV gives a test part). */
  testFrac: number;
  testSeed: number;
  /** CSV listing the test samples. */
  testFromCsv?: string;
  /** Use the dataset's own split when the label CSV has one. */
  datasetSplit: boolean;
  /** The label CSV, its detected format and the DICOM root (to read split columns and match paths). */
  csv: string;
  format: string;
  dicomRoot: string;
}

export interface TestPart<T> {
  test: T[];
  /** Everything else that may train or validate (excluded samples removed). */
  rest: T[];
  info: TestPartInfo | null;
  warnings: SplitWarning[];
}

/** `split` column values of a dataset: which mean test and which mean development data. */
const TEST_VALUES = /^(test|testing)$/i;
const DEV_VALUES = /^(train|training|val|valid|validation|dev|development)$/i;
/** CBIS-DDSM case folders: `Mass-Test_P_00016_LEFT_CC`, `Calc-Training_P_00005_RIGHT_CC`. */
const CBIS_TEST = /^(mass|calc)-test_/i;
const CBIS_TRAIN = /^(mass|calc)-training_/i;

/**
 * Chooses the held-out test part, before any per-seed split: `--test-from-csv` first, else the
 * dataset's own split (unless `datasetSplit` is off), else `--test-frac`. Combining
 * `--test-frac` with a listed test part is refused (two answers to one question). A listed test
 * part is kept as given; samples of its patients outside it are left out of train/val.
 */
export function chooseTestPart<T extends TestCandidate>(items: readonly T[], options: TestPartOptions): TestPart<T> {
  const listed = options.testFromCsv ? fromCsv(items, options.testFromCsv, options.dicomRoot) : options.datasetSplit ? fromDataset(items, options) : null;
  if (listed && options.testFrac > 0) {
    const what = options.testFromCsv ? `--test-from-csv ${options.testFromCsv}` : `the dataset's own split (${listed.rule} in ${options.csv}; --no-dataset-split ignores it)`;
    throw usageError("bad_value", `--test-frac ${options.testFrac} and ${what} both define the test part: keep one`);
  }
  if (listed) return listedPart(items, listed, options.testFromCsv ? "csv" : "dataset", options.testFromCsv ?? options.csv);
  if (options.testFrac <= 0) return { test: [], rest: [...items], info: null, warnings: [] };
  const carved = testCarve(items, { testFrac: options.testFrac, testSeed: options.testSeed });
  const test = carved.parts.find((p) => p.name === "test")?.items ?? [];
  const rest = carved.parts.find((p) => p.name === "train")?.items ?? [];
  const warnings = carved.warnings.map((w) => ({ ...w, message: `test carve: ${w.message.replace(/\btrain\b/g, "the development part")}` }));
  return {
    test,
    rest,
    info: {
      source: "frac",
      frac: options.testFrac,
      seed: options.testSeed,
      stream: "test",
      stream_seed: deriveSeed(options.testSeed, "test"),
      file: null,
      rule: `stratified group hold-out of ${options.testFrac} (stream "test" of --test-seed ${options.testSeed})`,
      ...counts(test, 0),
    },
    warnings,
  };
}

interface Listed {
  isTest: (item: TestCandidate) => boolean;
  rule: string;
  warnings: SplitWarning[];
}

function counts(test: readonly TestCandidate[], excluded: number): Pick<TestPartInfo, "size" | "groups" | "excluded" | "test_hash"> {
  return {
    size: test.length,
    groups: new Set(test.map((t) => t.group)).size,
    excluded,
    test_hash: hashJson(test.map((t) => t.key).sort(compareStrings)),
  };
}

function listedPart<T extends TestCandidate>(items: readonly T[], listed: Listed, source: TestSource, file: string): TestPart<T> {
  const test = items.filter((i) => listed.isTest(i));
  const testGroups = new Set(test.map((t) => t.group));
  const others = items.filter((i) => !listed.isTest(i));
  const rest = others.filter((i) => !testGroups.has(i.group));
  const excluded = others.length - rest.length;
  const warnings = [...listed.warnings];
  if (excluded) {
    const groups = [...new Set(others.filter((i) => testGroups.has(i.group)).map((i) => i.group))].sort(compareStrings);
    warnings.push({
      code: "test_group_overlap",
      message: `${excluded} sample(s) of ${groups.length} patient(s) with test samples (${groups.slice(0, 5).join(", ")}${groups.length > 5 ? ", …" : ""}) are not in the test part: left out of train/val so no patient is on both sides`,
    });
  }
  return { test, rest, info: { source, frac: null, seed: null, stream: null, stream_seed: null, file, rule: listed.rule, ...counts(test, excluded) }, warnings };
}

/** The dataset's own split, or null when its CSV has none (or only one side of it). */
function fromDataset(items: readonly TestCandidate[], options: TestPartOptions): Listed | null {
  const table = readCsv(options.csv);
  if (table.columns.includes("split")) {
    const byLine = new Map(table.rows.map((r) => [r.line, r.values.split ?? ""]));
    for (const row of table.rows) {
      const v = row.values.split ?? "";
      if (!TEST_VALUES.test(v) && !DEV_VALUES.test(v)) {
        throw usageError("bad_value", `${options.csv} row ${row.line}: split = "${v}" (expected test, or train/training/val/validation)`);
      }
    }
    const isTest = (i: TestCandidate) => TEST_VALUES.test(byLine.get(i.sample.row) ?? "");
    const n = items.filter(isTest).length;
    if (n === 0 || n === items.length) return null;
    return { isTest, rule: 'split column = "test"', warnings: [] };
  }
  if (options.format === "cbis-ddsm") {
    const isTest = (i: TestCandidate) => CBIS_TEST.test(i.sample.accession);
    const hasTrain = items.some((i) => CBIS_TRAIN.test(i.sample.accession));
    const n = items.filter(isTest).length;
    if (n === 0 || !hasTrain) return null;
    return { isTest, rule: "CBIS-DDSM *-Test_* cases", warnings: [] };
  }
  return null;
}

/** Identifier columns a `--test-from-csv` file may have, in the order they are tried. */
const ACCESSION_COLUMNS = ["AccessionNumber", "accession", "study_id"] as const;

/** The samples a `--test-from-csv` file lists, by image path or by accession. */
function fromCsv(items: readonly TestCandidate[], file: string, dicomRoot: string): Listed {
  const table = readCsv(file);
  const pathColumn = ["image_path", "image file path"].find((c) => table.columns.includes(c));
  const accessionColumn = ACCESSION_COLUMNS.find((c) => table.columns.includes(c));
  if (!pathColumn && !accessionColumn) {
    throw usageError("missing_column", `--test-from-csv ${file}: no image_path, image file path, ${ACCESSION_COLUMNS.join(", ")} column (columns found: ${table.columns.join(", ")})`);
  }
  const listedKeys = new Set<string>();
  const keyOf = (value: string) => value.replaceAll("\\", "/").replace(/^\.\//, "");
  // CBIS-DDSM's "image file path" names the case folder first: the sample's accession.
  const byAccession = !pathColumn || pathColumn === "image file path";
  for (const row of table.rows) {
    const raw = pathColumn ? (row.values[pathColumn] ?? "") : (row.values[accessionColumn as string] ?? "");
    if (!raw) throw usageError("bad_csv_row", `--test-from-csv ${file} row ${row.line}: empty ${pathColumn ?? accessionColumn}`);
    listedKeys.add(byAccession ? keyOf(raw).split("/")[0] as string : keyOf(raw));
  }
  const accessionKeys = (a: string) => [a, a.padStart(6, "0"), a.replace(/^0+(?=.)/, "")];
  const isTest = byAccession
    ? (i: TestCandidate) => accessionKeys(i.sample.accession).some((k) => listedKeys.has(k))
    : (i: TestCandidate) => listedKeys.has(relativePosix(dicomRoot, i.sample.imagePath));
  const matched = new Set<string>();
  for (const item of items) {
    if (!isTest(item)) continue;
    for (const k of byAccession ? accessionKeys(item.sample.accession) : [relativePosix(dicomRoot, item.sample.imagePath)]) if (listedKeys.has(k)) matched.add(k);
  }
  if (matched.size === 0) throw usageError("no_test_samples", `--test-from-csv ${file}: none of its ${listedKeys.size} entries matches a sample of the dataset`);
  const unmatched = [...listedKeys].filter((k) => !matched.has(k)).sort(compareStrings);
  const warnings: SplitWarning[] = unmatched.length
    ? [{ code: "test_unmatched", message: `--test-from-csv ${file}: ${unmatched.length} entr${unmatched.length === 1 ? "y matches" : "ies match"} no readable sample (${unmatched.slice(0, 5).join(", ")}${unmatched.length > 5 ? ", …" : ""})` }]
    : [];
  return { isTest, rule: `${byAccession ? (pathColumn ?? accessionColumn) : pathColumn} column of --test-from-csv`, warnings };
}
