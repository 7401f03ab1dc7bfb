import { join } from "node:path";
import { z } from "zod";
import { defineTask } from "../lib/task/index.ts";
import { DICOM_ENCODINGS, type DicomEncoding } from "../lib/dicom/write/index.ts";
import { SYNTH_ARTIFACT, generateCohort, type GeneratedAccession } from "../lib/synth/index.ts";

function countBy<T extends string | number>(items: readonly GeneratedAccession[], key: (a: GeneratedAccession) => T, keys: readonly T[] = []): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(keys.map((k) => [String(k), 0]));
  for (const a of items) out[String(key(a))] = (out[String(key(a))] ?? 0) + 1;
  return out;
}

export default defineTask({
  name: "synth",
  description: "Write a synthetic mammography cohort: classificacao.csv + archive/<AccessionNumber>/<view>.dcm + synth.json",
  params: z.object({
    outdir: z.string().default("data/generated/synth").describe("directory for classificacao.csv, archive/ and synth.json"),
    accessions: z.number().int().min(1).max(100_000).default(120).describe("number of accessions (exams, CSV rows)"),
    seed: z.number().int().nonnegative().default(42).describe("root seed: same seed ⇒ byte-identical files"),
    imageSize: z.number().int().min(16).max(8192).default(256).describe("long side of each image in pixels (width = 0.8 × height)"),
    labelNoise: z.number().min(0).max(1).default(0.15).describe("share of accessions whose CSV label is a neighbour of the density the images show"),
    encodings: z.array(z.enum(DICOM_ENCODINGS as [DicomEncoding, ...DicomEncoding[]])).min(1).default([...DICOM_ENCODINGS]).describe("transfer syntaxes to use, each in a share of accessions (repeat the flag)"),
  }),
  examples: ["bun run task synth --outdir data/generated/synth --accessions 120 --seed 42", "bun run task synth --outdir out/big --accessions 2057 --image-size 512 --encodings jpeg-ls --encodings explicit-le"],
  outputs: (p) => [join(p.outdir, "synth.json"), join(p.outdir, "classificacao.csv")],
  async run(params, ctx) {
    const started = performance.now();
    const cohort = await generateCohort(
      {
        outdir: params.outdir,
        seed: params.seed,
        accessions: params.accessions,
        imageSize: params.imageSize,
        labelNoise: params.labelNoise,
        encodings: params.encodings,
      },
      { progress: ctx.progress, writeFile: ctx.artifacts.writeFile },
    );
    const acc = cohort.accessions;
    const images = acc.reduce((s, a) => s + a.images.length, 0);
    const standard = acc.filter((a) => a.label !== 5);
    const relabelled = standard.filter((a) => a.label !== a.trueDensity).length;
    const path = join(params.outdir, SYNTH_ARTIFACT);
    ctx.artifacts.writeJson(path, {
      csv: cohort.csv,
      archive: cohort.archive,
      fingerprint: cohort.fingerprint,
      counts: {
        patients: cohort.patients,
        accessions: acc.length,
        images,
        label: countBy(acc, (a) => a.label, [1, 2, 3, 4, 5]),
        trueDensity: countBy(acc, (a) => a.trueDensity, [1, 2, 3, 4]),
        encoding: countBy(acc, (a) => a.encoding, DICOM_ENCODINGS),
        bitsStored: countBy(acc, (a) => a.bitsStored),
        photometric: countBy(acc, (a) => a.photometric),
        pixelRepresentation: countBy(acc, (a) => a.pixelRepresentation),
      },
      labelNoise: { target: params.labelNoise, relabelled, rate: standard.length ? relabelled / standard.length : 0 },
      accessions: acc,
    });
    ctx.log.info(
      `synth: ${acc.length} accessions, ${cohort.patients} patients, ${images} images (${params.imageSize} px) in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
        `${relabelled} labels differ from the images' density`,
    );
    return { path, accessions: acc.length, images, fingerprint: cohort.fingerprint };
  },
});
