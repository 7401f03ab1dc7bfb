import { stream, type Rng } from "../rng/index.ts";
import { usageError } from "../errors/index.ts";
import type { DicomEncoding } from "../dicom/write/index.ts";
import { REAL_CLASS_COUNTS, balanced, pick, quotas, type Label } from "./mix.ts";
import type { Density, PhantomView } from "./phantom.ts";
import type { StorageProfile } from "./store.ts";
import { syntheticUid } from "./uid.ts";

/** What a cohort is made from; everything else follows from `seed`. */
export interface CohortOptions {
  /** Root seed of every synth stream. */
  seed: number;
  /** Number of accessions (exams, CSV rows). */
  accessions: number;
  /** Probability that an accession's CSV label is a neighbour of the density its images show. */
  labelNoise: number;
  /** Encodings the archive uses, each in a share of accessions. */
  encodings: readonly DicomEncoding[];
}

export interface PlannedView {
  /** File name inside the accession's folder, e.g. "L_CC.dcm". */
  file: string;
  laterality: "L" | "R";
  /** DICOM ViewPosition. */
  viewPosition: string;
  phantomView: PhantomView;
  sopInstanceUid: string;
  instanceNumber: number;
}

export interface PlannedAccession {
  /** Zero-padded, e.g. "000123". */
  accession: string;
  patientId: string;
  /** The CSV label (what the radiologist wrote). */
  label: Label;
  /** The density the images show; differs from `label` for label-noise accessions and is never 5. */
  density: Density;
  /** Target fibroglandular fraction of the breast area, drawn within the density's band. */
  denseFraction: number;
  /** YYYYMMDD and HHMMSS. */
  studyDate: string;
  studyTime: string;
  /** YYYY-MM-DD: when the label was given (a few days after the study). */
  classificationDate: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  profile: StorageProfile;
  views: PlannedView[];
}

export interface CohortPlan {
  accessions: PlannedAccession[];
  patients: number;
}

/** Band of fibroglandular fraction per true density (disjoint, so the density is recoverable). */
export const DENSE_FRACTION_BANDS: Readonly<Record<Density, [number, number]>> = {
  1: [0.03, 0.12],
  2: [0.15, 0.32],
  3: [0.36, 0.56],
  4: [0.62, 0.82],
};

const ENCODING_WEIGHTS: Readonly<Record<DicomEncoding, number>> = { "explicit-le": 30, "implicit-le": 15, rle: 15, "jpeg-ls": 20, jpeg2000: 20 };
const BIT_DEPTHS = [12, 14, 16, 8] as const;
const BIT_DEPTH_WEIGHTS = [35, 30, 25, 10];
/** Vendors, one per bit depth, as a real archive mixes scanners. */
const MANUFACTURER: Readonly<Record<(typeof BIT_DEPTHS)[number], string>> = {
  12: "Synthetic Imaging Alpha",
  14: "Synthetic Imaging Beta",
  16: "Synthetic Imaging Gamma",
  8: "Synthetic Digitizer Delta",
};
/** [slope, intercept] pairs; identity most often. */
const RESCALES: readonly [number, number][] = [
  [1, 0],
  [1, -1024],
  [0.5, 0],
  [2.5, -300],
];
const RESCALE_WEIGHTS = [60, 15, 15, 10];

const STANDARD_VIEWS = ["L_CC", "L_MLO", "R_CC", "R_MLO"] as const;
/** Non-standard incidences: what class 5 ("incidência não padrão") holds. */
const ODD_VIEWS = ["L_ML", "R_ML", "L_LM", "R_LM", "L_XCCL", "R_XCCL"] as const;

/** Whole-day arithmetic on UTC dates, from 2016-01-01. */
function day(offset: number): Date {
  return new Date(Date.UTC(2016, 0, 1) + offset * 86_400_000);
}
function ymd(d: Date, sep: string): string {
  return [d.getUTCFullYear(), String(d.getUTCMonth() + 1).padStart(2, "0"), String(d.getUTCDate()).padStart(2, "0")].join(sep);
}

function neighbour(rng: Rng, d: Density): Density {
  if (d === 1) return 2;
  if (d === 4) return 3;
  return (rng.float() < 0.5 ? d - 1 : d + 1) as Density;
}

/** Accessions per patient: most women have one exam in the archive, some two or three. */
function patientSizes(rng: Rng, n: number): number[] {
  const sizes: number[] = [];
  for (let left = n; left > 0; ) {
    const k = Math.min(left, pick(rng, [1, 2, 3], [65, 25, 10]));
    sizes.push(k);
    left -= k;
  }
  return sizes;
}

/** Distinct accession numbers, zero-padded to at least 6 digits (many have leading zeros). */
function accessionNumbers(rng: Rng, n: number): string[] {
  const range = Math.max(1000, 10 * n);
  const digits = Math.max(6, String(range).length);
  const seen = new Set<number>();
  const out: string[] = [];
  while (out.length < n) {
    const v = 1 + rng.int(range);
    if (seen.has(v)) continue;
    seen.add(v);
    out.push(String(v).padStart(digits, "0"));
  }
  return out;
}

/**
 * Labels with the real file's class mix (exact quotas), correlated within a patient: accessions
 * are ranked by a per-patient latent density plus noise and the sorted labels are dealt out in
 * that order; class 5 goes to a random subset.
 */
function dealLabels(rng: Rng, patientOf: readonly number[], patients: number): Label[] {
  const n = patientOf.length;
  const counts = quotas(n, [1, 2, 3, 4, 5].map((c) => REAL_CLASS_COUNTS[c as Label]));
  const labels = new Array<Label>(n);
  const order = rng.shuffle([...Array(n).keys()]);
  const odd = order.slice(0, counts[4]);
  for (const i of odd) labels[i] = 5;
  const latent = Array.from({ length: patients }, () => rng.float());
  const rest = order.slice(counts[4]).map((i) => ({ i, key: (latent[patientOf[i] as number] as number) + 0.15 * rng.normal() }));
  rest.sort((a, b) => a.key - b.key || a.i - b.i);
  let k = 0;
  for (let c = 1; c <= 4; c++) for (let j = 0; j < (counts[c - 1] as number); j++) labels[(rest[k++] as { i: number }).i] = c as Label;
  return labels;
}

function validateCohortOptions(o: CohortOptions): void {
  if (!Number.isInteger(o.accessions) || o.accessions < 1) throw usageError("bad_value", `invalid --accessions: ${o.accessions} (expected an integer ≥ 1)`);
  if (!(o.labelNoise >= 0 && o.labelNoise <= 1)) throw usageError("bad_value", `invalid --label-noise: ${o.labelNoise} (expected 0 ≤ x ≤ 1)`);
  if (o.encodings.length === 0) throw usageError("bad_value", "invalid --encodings: none given (expected at least one)");
}

/** The whole cohort, decided before any pixel is drawn. Deterministic in `options`. */
export function planCohort(options: CohortOptions): CohortPlan {
  validateCohortOptions(options);
  const { seed, accessions: n } = options;
  const s = (purpose: string) => stream(seed, `synth/${purpose}`);
  const sizes = patientSizes(s("patients"), n);
  const patientOf = sizes.flatMap((k, p) => Array<number>(k).fill(p));
  const labels = dealLabels(s("labels"), patientOf, sizes.length);
  const numbers = accessionNumbers(s("accession-numbers"), n);
  const encodings = [...new Set(options.encodings)];
  const encodingOf = balanced(s("profile/encoding"), n, encodings, encodings.map((e) => ENCODING_WEIGHTS[e]));
  const bitsOf = balanced(s("profile/bits"), n, BIT_DEPTHS, BIT_DEPTH_WEIGHTS);
  const photometricOf = balanced(s("profile/photometric"), n, ["MONOCHROME2", "MONOCHROME1"] as const, [65, 35]);
  const windowOf = balanced(s("profile/window"), n, [true, false], [60, 40]);
  const rescaleOf = balanced(s("profile/rescale"), n, RESCALES, RESCALE_WEIGHTS);
  const patientStart = Array.from({ length: sizes.length }, () => 0);
  const dates = s("dates");
  for (let p = 0; p < sizes.length; p++) patientStart[p] = dates.int(2200);

  const planned: PlannedAccession[] = [];
  let visit = 0;
  for (let i = 0; i < n; i++) {
    const p = patientOf[i] as number;
    visit = i > 0 && patientOf[i - 1] === p ? visit + 1 : 0;
    const rng = s(`accession/${i}`);
    const label = labels[i] as Label;
    const density: Density = label === 5 ? pick(rng, [1, 2, 3, 4] as const, [1, 2, 3, 4].map((c) => REAL_CLASS_COUNTS[c as Label])) : label;
    const shown = label !== 5 && rng.float() < options.labelNoise ? neighbour(rng, density) : density;
    const [lo, hi] = DENSE_FRACTION_BANDS[shown];
    const bits = bitsOf[i] as (typeof BIT_DEPTHS)[number];
    // Signed storage only where real scanners use it (12- and 16-bit); 8-bit data is never signed.
    const signed = (bits === 12 || bits === 16) && rng.float() < 0.3;
    const [slope, intercept] = rescaleOf[i] as [number, number];
    const study = day((patientStart[p] as number) + visit * (365 + rng.int(300)));
    const accession = numbers[i] as string;
    const names = label === 5 ? rng.shuffle(ODD_VIEWS).slice(0, pick(rng, [1, 2], [70, 30])) : rng.shuffle(STANDARD_VIEWS).slice(0, pick(rng, [4, 2, 3, 1], [60, 20, 10, 10]));
    const order: readonly string[] = label === 5 ? ODD_VIEWS : STANDARD_VIEWS;
    names.sort((a, b) => order.indexOf(a) - order.indexOf(b));
    planned.push({
      accession,
      patientId: `SYN${String(p + 1).padStart(5, "0")}`,
      label,
      density: shown,
      denseFraction: lo + (hi - lo) * rng.float(),
      studyDate: ymd(study, ""),
      studyTime: `${String(8 + rng.int(10)).padStart(2, "0")}${String(rng.int(60)).padStart(2, "0")}${String(rng.int(60)).padStart(2, "0")}`,
      classificationDate: ymd(new Date(study.getTime() + rng.int(21) * 86_400_000), "-"),
      studyInstanceUid: syntheticUid(seed, `study/${accession}`),
      seriesInstanceUid: syntheticUid(seed, `series/${accession}`),
      profile: {
        manufacturer: MANUFACTURER[bits],
        encoding: encodingOf[i] as DicomEncoding,
        bitsStored: bits,
        pixelRepresentation: signed ? 1 : 0,
        photometric: photometricOf[i] as StorageProfile["photometric"],
        rescaleSlope: slope,
        rescaleIntercept: intercept,
        window: windowOf[i] as boolean,
      },
      views: names.map((name, k) => {
        const [laterality, viewPosition] = name.split("_") as ["L" | "R", string];
        return {
          file: `${name}.dcm`,
          laterality,
          viewPosition,
          phantomView: label === 5 ? "spot" : (viewPosition as "CC" | "MLO"),
          sopInstanceUid: syntheticUid(seed, `image/${accession}/${name}`),
          instanceNumber: k + 1,
        };
      }),
    });
  }
  return { accessions: planned, patients: sizes.length };
}
