import { stream } from "../../../lib/rng/index.ts";
import type { SplitItem } from "../../../lib/split/index.ts";

/** Density label weights of the reference archive once class 5 is excluded: 3/21/48/20 %. */
const CLASS_WEIGHTS = [3, 21, 48, 20];

export interface CohortSample extends SplitItem {
  accession: string;
  patientId: string | null;
}

function drawLabel(u: number): number {
  const total = CLASS_WEIGHTS.reduce((s, w) => s + w, 0);
  let acc = 0;
  for (let i = 0; i < CLASS_WEIGHTS.length; i++) {
    acc += (CLASS_WEIGHTS[i] ?? 0) / total;
    if (u < acc) return i + 1;
  }
  return CLASS_WEIGHTS.length;
}

/**
 * A synthetic cohort of `groups` groups of 1–8 images. 70 % of groups are patients with a known
 * PatientID and 1–3 accessions (a later accession keeps the first one's density with p = 0.7,
 * else moves one class); the rest are single accessions with no PatientID. Labels follow the
 * reference archive's imbalance.
 */
export function generateCohort(seed: number, groups: number): CohortSample[] {
  const rng = stream(seed, "test/cohort");
  const items: CohortSample[] = [];
  let accessionNo = 0;
  for (let g = 0; g < groups; g++) {
    const images = 1 + rng.int(8);
    const knownPatient = rng.float() < 0.7;
    const accessions = knownPatient ? Math.min(images, 1 + rng.int(3)) : 1;
    const patientId = knownPatient ? `P${seed}-${g}` : null;
    // Every accession gets one image, the rest are spread at random.
    const perAccession = new Array<number>(accessions).fill(1);
    for (let i = accessions; i < images; i++) {
      const a = rng.int(accessions);
      perAccession[a] = (perAccession[a] ?? 0) + 1;
    }
    let label = drawLabel(rng.float());
    perAccession.forEach((n, a) => {
      if (a > 0 && rng.float() >= 0.7) label = Math.min(4, Math.max(1, label + (rng.float() < 0.5 ? -1 : 1)));
      const accession = String(++accessionNo).padStart(6, "0");
      const group = patientId ? `patient:${patientId}` : `accession:${accession}`;
      for (let i = 0; i < n; i++) items.push({ key: `${accession}|img${i}.dcm`, group, label, accession, patientId });
    });
  }
  return items;
}
