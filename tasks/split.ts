import { join } from "node:path";
import { z } from "zod";
import { DEFAULT_CACHE_DIR, LABEL_CODINGS, loadDataset, type Sample } from "../lib/dataset/index.ts";
import { usageError } from "../lib/errors/index.ts";
import { deriveSeed } from "../lib/rng/index.ts";
import {
  checkTrainable,
  chooseTestPart,
  compareStrings,
  groupKFold,
  groupSamples,
  holdoutSplit,
  labelName,
  splitHash,
  splitJson,
  splitStats,
  subsetGroups,
  type PartName,
  type SplitArtifact,
  type SplitItem,
  type SplitWarning,
} from "../lib/split/index.ts";
import { defineTask, type TaskContext } from "../lib/task/index.ts";

interface SampleItem extends SplitItem {
  sample: Sample;
}

const params = z.object({
  csv: z.string().describe("label CSV (classificacao.csv, a path-based CSV, or a CBIS-DDSM / VinDr-Mammo / RSNA one)"),
  dicomRoot: z.string().default("archive").describe("folder holding <AccessionNumber>/**/*.dcm (or the paths the CSV names)"),
  seed: z.number().int().nonnegative().default(42).describe("root seed; the split draws from its streams split / fold / subset"),
  valFrac: z.number().gt(0).lt(1).default(0.2).describe("hold-out: share of the samples in validation"),
  folds: z.number().int().nonnegative().default(0).describe("k ≥ 2: stratified group k-fold; 0 or 1: hold-out"),
  subset: z.number().int().nonnegative().default(0).describe("keep this many groups (patients/accessions), drawn with the seed, before splitting; 0 = all"),
  includeClass5: z.boolean().default(false).describe("keep class 5 (non-standard incidence)"),
  views: z.enum(["one", "all"]).default("one").describe("classificacao.csv: one image per accession, or every view"),
  format: z.enum(["auto", "classificacao", "paths", "cbis-ddsm", "vindr", "rsna"]).default("auto").describe("CSV layout; auto detects it from the header"),
  labelCoding: z.enum(LABEL_CODINGS).default("auto").describe("how a path-based CSV's numeric labels count: 0-3 or 1-4 (A = 0 or 1), A-D; auto tells from the values and refuses when it cannot"),
  cacheDir: z.string().default(DEFAULT_CACHE_DIR).describe("cache of decode verdicts shared with audit and train (a read-only one is read, not written)"),
  testFrac: z.number().min(0).lt(1).default(0).describe("carve this share of the samples as a held-out test part (grouped, stratified) before the per-seed split; 0 = none"),
  testSeed: z.number().int().nonnegative().default(0).describe("root seed of the test carve (stream test): fixed, NOT the run's --seed, so every seed keeps the same test part"),
  testFromCsv: z.string().optional().describe("CSV listing the test samples (column image_path, image file path, AccessionNumber, accession or study_id) instead of carving one"),
  datasetSplit: z.boolean().default(true).describe("use the dataset's own test split when the CSV has one (a split column as VinDr-Mammo's; CBIS-DDSM's *-Test_* cases)"),
  outdir: z.string().default("outputs/split").describe("directory to write split.json into"),
});
type Params = z.infer<typeof params>;

/** The samples as split items, grouped by patient (else accession); merged groups are warned about. */
function groupedItems(samples: readonly Sample[], warnings: SplitWarning[]): SampleItem[] {
  const grouping = groupSamples(samples);
  for (const { group, patients } of grouping.merged) {
    warnings.push({ code: "multi_patient_group", message: `${group}: PatientIDs ${patients.join(", ")} share an accession, kept in one group` });
  }
  return samples.map((sample, i) => ({ key: `${sample.accession}|${sample.imagePath}`, group: grouping.groups[i] ?? `accession:${sample.accession}`, label: sample.label, sample }));
}

/** `--subset N`: N groups drawn with the seed (stream subset), or all of them when there are not more. */
function keepSubset(items: SampleItem[], p: Params, warnings: SplitWarning[]): { items: SampleItem[]; subset: SplitArtifact["subset"] } {
  if (p.subset <= 0) return { items, subset: null };
  const groupsBefore = new Set(items.map((i) => i.group)).size;
  if (p.subset >= groupsBefore) warnings.push({ code: "subset_too_large", message: `--subset ${p.subset} ≥ the ${groupsBefore} groups in the data: all are kept` });
  return {
    items: p.subset >= groupsBefore ? items : subsetGroups(items, p.subset, p.seed),
    subset: { groups: Math.min(p.subset, groupsBefore), of_groups: groupsBefore, stream: "subset", stream_seed: deriveSeed(p.seed, "subset") },
  };
}

/** Hold-out or k-fold partition of `items`; one train would refuse (an empty side, one class) is refused here, naming the counts. */
function partitionItems(items: SampleItem[], p: Params) {
  const kfold = p.folds >= 2;
  const partition = kfold ? groupKFold(items, { folds: p.folds, seed: p.seed }) : holdoutSplit(items, { valFrac: p.valFrac, seed: p.seed });
  const others = (k: number) => partition.parts.filter((_, i) => i !== k).flatMap((part) => part.items);
  checkTrainable(
    kfold
      ? partition.parts.map((part, k) => ({ name: `fold ${k + 1} of ${p.folds}`, train: others(k), val: part.items }))
      : [{ name: `the split (--val-frac ${p.valFrac}${p.subset > 0 ? `, --subset ${p.subset}` : ""})`, train: partition.parts.find((part) => part.name === "train")?.items ?? [], val: partition.parts.find((part) => part.name === "val")?.items ?? [] }],
    kfold ? "use fewer --folds or more data, and check the labels in --csv" : "use more data, a larger --val-frac or --subset, and check the labels in --csv",
  );
  return partition;
}

/** One log line for the whole, the test part and each part; then the warnings. */
function logSplit(data: SplitArtifact, ctx: TaskContext): void {
  const hist = (h: Record<string, number>) => Object.entries(h).map(([label, n]) => `${labelName(Number(label))} ${n}`).join(", ");
  ctx.log.info(`${data.n_samples} samples in ${data.n_groups} groups (${hist(data.class_histogram)}), seed ${data.seed}, stream ${data.stream}`);
  if (data.test) ctx.log.info(`test part (${data.test.rule}): ${data.test.size} samples, ${data.test.groups} groups, test_hash ${data.test.test_hash.slice(0, 12)}…`);
  for (const part of data.parts) {
    const name = data.kind === "kfold" && part.name !== "test" ? `fold ${part.name}` : String(part.name);
    ctx.log.info(`${name}: ${part.size} samples, ${part.groups} groups (${hist(part.class_histogram)}), max class deviation ${(100 * part.max_deviation).toFixed(2)} pp`);
  }
  for (const w of data.warnings) ctx.log.warn(w.message);
}

export default defineTask({
  name: "split",
  description: "Split the samples into a held-out test part (fixed across seeds) and train/val or k folds, grouped by patient and stratified by density (split.json)",
  params,
  examples: [
    "bun run task split --csv classificacao.csv --dicom-root archive --seed 42 --val-frac 0.2 --outdir outputs/split",
    "bun run task split --csv classificacao.csv --dicom-root archive --seed 42 --folds 5 --outdir outputs/split_k5",
    "bun run task split --csv classificacao.csv --dicom-root archive --test-frac 0.15 --seed 43 --val-frac 0.2 --outdir outputs/split_43",
  ],
  outputs: (p) => [join(p.outdir, "split.json")],
  async run(params, ctx) {
    const dataset = await loadDataset(
      { csv: params.csv, dicomRoot: params.dicomRoot, includeClass5: params.includeClass5, views: params.views, format: params.format, labelCoding: params.labelCoding, cacheDir: params.cacheDir },
      ctx,
    );
    if (dataset.samples.length === 0) throw usageError("no_samples", `no readable labelled image in ${params.csv} under ${params.dicomRoot}`);
    const warnings: SplitWarning[] = [];
    // The test part first, from all the data and never from --seed: every seed's split keeps it.
    const testPart = chooseTestPart(groupedItems(dataset.samples, warnings), {
      testFrac: params.testFrac,
      testSeed: params.testSeed,
      ...(params.testFromCsv ? { testFromCsv: params.testFromCsv } : {}),
      datasetSplit: params.datasetSplit,
      csv: params.csv,
      format: dataset.format,
      dicomRoot: params.dicomRoot,
    });
    warnings.push(...testPart.warnings);
    const { items, subset } = keepSubset(testPart.rest, params, warnings);
    const partition = partitionItems(items, params);
    warnings.push(...partition.warnings);
    const parts = testPart.info ? [...partition.parts, { name: "test" as const, items: testPart.test }] : partition.parts;
    const stats = splitStats({ parts });
    const samples = parts
      .flatMap(({ name, items: part }) => part.map((item) => sampleRecord(item, name)))
      .sort((a, b) => compareStrings(a.accession, b.accession) || compareStrings(a.image_path, b.image_path));
    const kfold = partition.kind === "kfold";
    const path = join(params.outdir, "split.json");
    const data: SplitArtifact = {
      kind: partition.kind,
      folds: kfold ? params.folds : null,
      val_frac: kfold ? null : params.valFrac,
      seed: params.seed,
      stream: partition.stream,
      stream_seed: deriveSeed(params.seed, partition.stream),
      subset,
      test: testPart.info,
      data_fingerprint: dataset.fingerprint,
      split_hash: splitHash(samples),
      ...stats,
      warnings,
      samples,
    };
    ctx.artifacts.writeJson(splitJson, path, data, params.testFromCsv ? [params.csv, params.testFromCsv] : [params.csv]);
    logSplit(data, ctx);
    return {
      path,
      kind: partition.kind,
      samples: stats.n_samples,
      groups: stats.n_groups,
      test: testPart.info?.size ?? 0,
      maxClassDeviation: stats.max_class_deviation,
      splitHash: data.split_hash,
      warnings: warnings.length,
    };
  },
});

function sampleRecord(item: SampleItem, fold: PartName): SplitArtifact["samples"][number] {
  const s = item.sample;
  return { accession: s.accession, patient_id: s.patientId, image_path: s.imagePath, label: s.label, group: item.group, fold };
}
