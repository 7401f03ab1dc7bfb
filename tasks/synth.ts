import { join } from "node:path";
import { z } from "zod";
import { defineArtifact, enveloped } from "../lib/artifacts/index.ts";
import { defineTask } from "../lib/task/index.ts";
import { DICOM_ENCODINGS, type DicomEncoding } from "../lib/dicom/write/index.ts";
import { SYNTH_ARTIFACT, generateCohort, type GeneratedAccession } from "../lib/synth/index.ts";

function countBy<T extends string | number>(items: readonly GeneratedAccession[], key: (a: GeneratedAccession) => T, keys: readonly T[] = []): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(keys.map((k) => [String(k), 0]));
  for (const a of items) out[String(key(a))] = (out[String(key(a))] ?? 0) + 1;
  return out;
}

const counts = z.record(z.string(), z.number().int().nonnegative());

export const synthJson = defineArtifact({
  name: "synth",
  path: "<outdir>/synth.json",
  format: "json",
  schema: enveloped(
    z.object({
      /** The label CSV and the archive folder written. */
      csv: z.string(),
      archive: z.string(),
      /** SHA-256 over the CSV's hash and the sorted (path, file hash) pairs. */
      fingerprint: z.string(),
      counts: z.object({
        patients: z.number().int(),
        accessions: z.number().int(),
        images: z.number().int(),
        label: counts,
        trueDensity: counts,
        encoding: counts,
        bitsStored: counts,
        photometric: counts,
        pixelRepresentation: counts,
      }),
      labelNoise: z.object({ target: z.number(), relabelled: z.number().int(), rate: z.number() }),
      accessions: z.array(
        z.object({
          accession: z.string(),
          patientId: z.string(),
          /** The CSV label 1..5. */
          label: z.number().int().min(1).max(5),
          /** The density the images show, 1..4. */
          trueDensity: z.number().int().min(1).max(4),
          denseFraction: z.number(),
          encoding: z.enum(DICOM_ENCODINGS as [DicomEncoding, ...DicomEncoding[]]),
          bitsStored: z.number().int(),
          pixelRepresentation: z.union([z.literal(0), z.literal(1)]),
          photometric: z.string(),
          manufacturer: z.string(),
          images: z.array(
            z.object({ path: z.string(), sha256: z.string(), viewPosition: z.string(), laterality: z.enum(["L", "R"]), denseFraction: z.number() }),
          ),
        }),
      ),
    }),
  ),
  enveloped: true,
  writer: "tasks/synth.ts",
  readers: [],
  description: "What the synthetic cohort holds: where its CSV and archive are, its fingerprint, counts by label, true density, encoding and pixel format, the label noise drawn, and every accession with its images and their SHA-256.",
  version: 1,
});

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
    ctx.artifacts.writeJson(synthJson, path, {
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
