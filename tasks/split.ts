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
import { defineTask } from "../lib/task/index.ts";

interface SampleItem extends SplitItem {
  sample: Sample;
}

export default defineTask({
  name: "split",
  description: "Split the samples into a held-out test part (fixed across seeds) and train/val or k folds, grouped by patient and stratified by density (split.json)",
  params: z.object({
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
  }),
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
    const grouping = groupSamples(dataset.samples);
    for (const { group, patients } of grouping.merged) {
      warnings.push({ code: "multi_patient_group", message: `${group}: PatientIDs ${patients.join(", ")} share an accession, kept in one group` });
    }
    let items: SampleItem[] = dataset.samples.map((sample, i) => ({
      key: `${sample.accession}|${sample.imagePath}`,
      group: grouping.groups[i] ?? `accession:${sample.accession}`,
      label: sample.label,
      sample,
    }));
    // The test part first, from all the data and never from --seed: every seed's split keeps it.
    const testPart = chooseTestPart(items, {
      testFrac: params.testFrac,
      testSeed: params.testSeed,
      ...(params.testFromCsv ? { testFromCsv: params.testFromCsv } : {}),
      datasetSplit: params.datasetSplit,
      csv: params.csv,
      format: dataset.format,
      dicomRoot: params.dicomRoot,
    });
    warnings.push(...testPart.warnings);
    items = testPart.rest;
    const groupsBefore = new Set(items.map((i) => i.group)).size;
    let subset: SplitArtifact["subset"] = null;
    if (params.subset > 0) {
      if (params.subset >= groupsBefore) {
        warnings.push({ code: "subset_too_large", message: `--subset ${params.subset} ≥ the ${groupsBefore} groups in the data: all are kept` });
      } else {
        items = subsetGroups(items, params.subset, params.seed);
      }
      subset = { groups: Math.min(params.subset, groupsBefore), of_groups: groupsBefore, stream: "subset", stream_seed: deriveSeed(params.seed, "subset") };
    }

    const kfold = params.folds >= 2;
    const partition = kfold ? groupKFold(items, { folds: params.folds, seed: params.seed }) : holdoutSplit(items, { valFrac: params.valFrac, seed: params.seed });
    // A split train would refuse later (an empty side, one class) is refused here, naming the counts.
    const others = (k: number) => partition.parts.filter((_, i) => i !== k).flatMap((p) => p.items);
    checkTrainable(
      kfold
        ? partition.parts.map((p, k) => ({ name: `fold ${k + 1} of ${params.folds}`, train: others(k), val: p.items }))
        : [{ name: `the split (--val-frac ${params.valFrac}${params.subset > 0 ? `, --subset ${params.subset}` : ""})`, train: partition.parts.find((p) => p.name === "train")?.items ?? [], val: partition.parts.find((p) => p.name === "val")?.items ?? [] }],
      kfold ? "use fewer --folds or more data, and check the labels in --csv" : "use more data, a larger --val-frac or --subset, and check the labels in --csv",
    );
    warnings.push(...partition.warnings);
    const parts = testPart.info ? [...partition.parts, { name: "test" as const, items: testPart.test }] : partition.parts;
    const stats = splitStats({ parts });
    const samples = parts
      .flatMap(({ name, items: part }) => part.map((item) => sampleRecord(item, name)))
      .sort((a, b) => compareStrings(a.accession, b.accession) || compareStrings(a.image_path, b.image_path));

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

    const hist = (h: Record<string, number>) => Object.entries(h).map(([label, n]) => `${labelName(Number(label))} ${n}`).join(", ");
    ctx.log.info(`${stats.n_samples} samples in ${stats.n_groups} groups (${hist(stats.class_histogram)}), seed ${params.seed}, stream ${partition.stream}`);
    if (testPart.info) ctx.log.info(`test part (${testPart.info.rule}): ${testPart.info.size} samples, ${testPart.info.groups} groups, test_hash ${testPart.info.test_hash.slice(0, 12)}…`);
    for (const part of stats.parts) {
      const name = kfold && part.name !== "test" ? `fold ${part.name}` : String(part.name);
      ctx.log.info(`${name}: ${part.size} samples, ${part.groups} groups (${hist(part.class_histogram)}), max class deviation ${(100 * part.max_deviation).toFixed(2)} pp`);
    }
    for (const w of warnings) ctx.log.warn(w.message);
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
