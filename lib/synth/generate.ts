import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { hashJson, sha256, toCsv, writeFileAtomic } from "../artifacts/index.ts";
import { usageError } from "../errors/index.ts";
import { stream } from "../rng/index.ts";
import type { Progress } from "../progress/index.ts";
import { encodeDicom, type DicomEncoding } from "../dicom/write/index.ts";
import type { Label } from "./mix.ts";
import { drawAnatomy, renderPhantom, type Anatomy, type Density } from "./phantom.ts";
import { planCohort, type CohortOptions, type PlannedAccession, type PlannedView } from "./plan.ts";
import { storeImage } from "./store.ts";

export interface GenerateOptions extends CohortOptions {
  /** Directory that receives classificacao.csv and archive/. */
  outdir: string;
  /** Long side of every image in pixels (the short side is 0.8 of it). */
  imageSize: number;
}

/** One written image, as recorded in synth.json. */
export interface GeneratedImage {
  /** Relative to the output directory, e.g. "archive/000123/L_CC.dcm". */
  path: string;
  sha256: string;
  viewPosition: string;
  laterality: "L" | "R";
  /** Fibroglandular fraction of this image's breast area, measured on the generator's tissue mask. */
  denseFraction: number;
}

export interface GeneratedAccession {
  accession: string;
  patientId: string;
  label: Label;
  /** The density the images really show (before label noise); never 5. */
  trueDensity: Density;
  /** Target fibroglandular fraction of the accession (noise-free density). */
  denseFraction: number;
  encoding: DicomEncoding;
  bitsStored: number;
  pixelRepresentation: 0 | 1;
  photometric: string;
  manufacturer: string;
  images: GeneratedImage[];
}

export interface GeneratedCohort {
  csv: string;
  archive: string;
  patients: number;
  accessions: GeneratedAccession[];
  /** SHA-256 over the CSV's hash and the sorted (path, file hash) pairs. */
  fingerprint: string;
}

/** How the generator touches the world; tasks pass their context's, library callers may omit them. */
export interface GenerateEffects {
  progress?: Progress;
  /** Atomic file write (default: lib/artifacts writeFileAtomic). */
  writeFile?: (path: string, data: string | Uint8Array) => void;
}

export const CSV_NAME = "classificacao.csv";
export const SYNTH_ARTIFACT = "synth.json";

/**
 * A previous synth run's archive is replaced whole (stale accessions would otherwise remain);
 * anything else in the way is the user's and is left alone.
 */
function prepareArchive(outdir: string): string {
  const archive = join(outdir, "archive");
  if (existsSync(archive) && readdirSync(archive).length > 0) {
    if (!existsSync(join(outdir, SYNTH_ARTIFACT))) {
      throw usageError("outdir_not_empty", `refusing to write into ${archive}: it holds files not written by synth (no ${SYNTH_ARTIFACT} beside it); choose an empty --outdir`);
    }
    rmSync(archive, { recursive: true, force: true });
  }
  return archive;
}

/** Code-unit order: the same on every machine, unlike localeCompare. */
function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Image dimensions for a long side of `size` pixels: portrait, width = 0.8 × height. */
function imageDimensions(size: number): { width: number; height: number } {
  return { width: Math.max(1, Math.round(0.8 * size)), height: size };
}

/** Renders, stores and encodes one planned image; returns the file bytes and the measured fraction. */
async function synthesiseImage(seed: number, acc: PlannedAccession, view: PlannedView, anatomy: Anatomy, imageSize: number): Promise<{ bytes: Uint8Array; denseFraction: number }> {
  const { width, height } = imageDimensions(imageSize);
  const phantom = renderPhantom({
    width,
    height,
    laterality: view.laterality,
    view: view.phantomView,
    anatomy,
    denseFraction: acc.denseFraction,
    density: acc.density,
    // Keyed by patient and breast, not accession: the same breast keeps its pattern across exams.
    tissue: stream(seed, `synth/tissue/${acc.patientId}/${view.laterality}/${view.phantomView}`),
  });
  const p = acc.profile;
  const stored = storeImage(phantom.image, p, stream(seed, `synth/noise/${acc.accession}/${view.file}`));
  const bytes = await encodeDicom({
    width,
    height,
    bitsStored: p.bitsStored,
    pixelRepresentation: p.pixelRepresentation,
    photometric: p.photometric,
    pixels: stored.pixels,
    rescaleSlope: p.rescaleSlope,
    rescaleIntercept: p.rescaleIntercept,
    ...(stored.windowCenter !== undefined && stored.windowWidth !== undefined ? { windowCenter: stored.windowCenter, windowWidth: stored.windowWidth } : {}),
    encoding: p.encoding,
    tags: {
      patientId: acc.patientId,
      accessionNumber: acc.accession,
      studyInstanceUid: acc.studyInstanceUid,
      seriesInstanceUid: acc.seriesInstanceUid,
      sopInstanceUid: view.sopInstanceUid,
      viewPosition: view.viewPosition,
      imageLaterality: view.laterality,
      manufacturer: p.manufacturer,
      patientName: `SYNTHETIC^${acc.patientId}`,
      studyDate: acc.studyDate,
      studyTime: acc.studyTime,
      studyId: acc.accession,
      instanceNumber: view.instanceNumber,
      pixelSpacingMm: 240 / height,
    },
  });
  return { bytes, denseFraction: phantom.denseFraction };
}

/**
 * Writes a synthetic cohort: `classificacao.csv` (AccessionNumber, Classification,
 * ClassificationDate) and `archive/<AccessionNumber>/<view>.dcm`, every file atomically.
 * Same options ⇒ byte-identical files.
 */
export async function generateCohort(options: GenerateOptions, effects: GenerateEffects = {}): Promise<GeneratedCohort> {
  const write = effects.writeFile ?? writeFileAtomic;
  if (!Number.isInteger(options.imageSize) || options.imageSize < 16 || options.imageSize > 8192) {
    throw usageError("bad_value", `invalid --image-size: ${options.imageSize} (expected an integer 16–8192)`);
  }
  const plan = planCohort(options);
  const archive = prepareArchive(options.outdir);
  const total = plan.accessions.reduce((s, a) => s + a.views.length, 0);
  const bar = effects.progress?.("synth images", total);
  const anatomies = new Map<string, Anatomy>();
  const accessions: GeneratedAccession[] = [];
  const hashes: [string, string][] = [];
  for (const acc of plan.accessions) {
    let anatomy = anatomies.get(acc.patientId);
    if (!anatomy) {
      anatomy = drawAnatomy(stream(options.seed, `synth/anatomy/${acc.patientId}`));
      anatomies.set(acc.patientId, anatomy);
    }
    const images: GeneratedImage[] = [];
    for (const view of acc.views) {
      const { bytes, denseFraction } = await synthesiseImage(options.seed, acc, view, anatomy, options.imageSize);
      const rel = `archive/${acc.accession}/${view.file}`;
      write(join(options.outdir, rel), bytes);
      const hash = sha256(bytes);
      hashes.push([rel, hash]);
      images.push({ path: rel, sha256: hash, viewPosition: view.viewPosition, laterality: view.laterality, denseFraction });
      bar?.increment(1, { accession: acc.accession });
    }
    const p = acc.profile;
    accessions.push({
      accession: acc.accession,
      patientId: acc.patientId,
      label: acc.label,
      trueDensity: acc.density,
      denseFraction: acc.denseFraction,
      encoding: p.encoding,
      bitsStored: p.bitsStored,
      pixelRepresentation: p.pixelRepresentation,
      photometric: p.photometric,
      manufacturer: p.manufacturer,
      images,
    });
  }
  bar?.stop();
  const rows = [...plan.accessions].sort((a, b) => byText(a.accession, b.accession)).map((a) => [a.accession, a.label, a.classificationDate]);
  const csvText = toCsv(["AccessionNumber", "Classification", "ClassificationDate"], rows);
  const csv = join(options.outdir, CSV_NAME);
  write(csv, csvText);
  hashes.sort((a, b) => byText(a[0], b[0]));
  return { csv, archive, patients: plan.patients, accessions, fingerprint: hashJson({ csv: sha256(csvText), files: hashes }) };
}
