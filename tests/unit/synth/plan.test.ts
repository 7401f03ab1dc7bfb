import { describe, expect, test } from "bun:test";
import { DICOM_ENCODINGS } from "../../../lib/dicom/write/index.ts";
import { stream } from "../../../lib/rng/index.ts";
import { DENSE_FRACTION_BANDS, REAL_CLASS_COUNTS, drawAnatomy, planCohort, quotas, renderPhantom, type CohortOptions, type Density } from "../../../lib/synth/index.ts";

const OPTIONS: CohortOptions = { seed: 42, accessions: 40, labelNoise: 0.15, encodings: DICOM_ENCODINGS };
const REAL = [1, 2, 3, 4, 5].map((c) => REAL_CLASS_COUNTS[c as 1 | 2 | 3 | 4 | 5]);

function countLabels(labels: number[]): number[] {
  return [1, 2, 3, 4, 5].map((c) => labels.filter((l) => l === c).length);
}

describe("quotas", () => {
  test.each([
    [2057, REAL, [58, 437, 978, 420, 164]],
    // 120 × share = 3.38, 25.49, 57.05, 24.50, 9.57: floors sum to 118, the two largest remainders (class 5, class 4) get +1.
    [120, REAL, [3, 25, 57, 25, 10]],
    [10, [1, 1, 1], [4, 3, 3]],
    [0, [1, 2], [0, 0]],
  ])("quotas(%i, %j) = %j", (n, weights, expected) => {
    expect(quotas(n, weights)).toEqual(expected);
  });
});

describe("planCohort", () => {
  test("planCohort({accessions: 2057}) reproduces the real file's class counts exactly", () => {
    const plan = planCohort({ ...OPTIONS, accessions: 2057 });
    expect(countLabels(plan.accessions.map((a) => a.label))).toEqual([58, 437, 978, 420, 164]);
  });

  test("planCohort relabels about labelNoise of the accessions, always to a neighbouring density", () => {
    const plan = planCohort({ ...OPTIONS, accessions: 3000 });
    const standard = plan.accessions.filter((a) => a.label !== 5);
    const changed = standard.filter((a) => a.label !== a.density);
    expect(changed.length / standard.length).toBeGreaterThan(0.12);
    expect(changed.length / standard.length).toBeLessThan(0.18);
    expect(changed.every((a) => Math.abs(a.label - a.density) === 1)).toBe(true);
    expect(plan.accessions.every((a) => a.density >= 1 && a.density <= 4)).toBe(true);
    expect(planCohort({ ...OPTIONS, accessions: 500, labelNoise: 0 }).accessions.every((a) => a.label === 5 || a.label === a.density)).toBe(true);
  });

  test("planCohort gives each accession a dense fraction inside its true density's band, so the mean rises with the label", () => {
    const plan = planCohort({ ...OPTIONS, accessions: 2000 });
    for (const a of plan.accessions) {
      const [lo, hi] = DENSE_FRACTION_BANDS[a.density];
      expect(a.denseFraction >= lo && a.denseFraction <= hi).toBe(true);
    }
    const means = [1, 2, 3, 4].map((c) => {
      const f = plan.accessions.filter((a) => a.label === c).map((a) => a.denseFraction);
      return f.reduce((s, x) => s + x, 0) / f.length;
    });
    expect(means.every((m, i) => i === 0 || m > (means[i - 1] as number))).toBe(true);
  });

  test("planCohort({accessions: 40}) uses every encoding, bit depth and photometric, signed and rescaled files, windows or not", () => {
    const p = planCohort(OPTIONS).accessions.map((a) => a.profile);
    expect(new Set(p.map((x) => x.encoding))).toEqual(new Set(DICOM_ENCODINGS));
    expect(new Set(p.map((x) => x.bitsStored))).toEqual(new Set([8, 12, 14, 16]));
    expect(new Set(p.map((x) => x.photometric))).toEqual(new Set(["MONOCHROME1", "MONOCHROME2"]));
    expect(new Set(p.map((x) => x.window))).toEqual(new Set([true, false]));
    expect(p.some((x) => x.pixelRepresentation === 1)).toBe(true);
    expect(p.some((x) => x.rescaleSlope !== 1 || x.rescaleIntercept !== 0)).toBe(true);
    expect(p.every((x) => x.pixelRepresentation === 0 || x.bitsStored === 12 || x.bitsStored === 16)).toBe(true);
  });

  test("planCohort gives zero-padded unique accession numbers and shares PatientID across a patient's accessions", () => {
    const plan = planCohort({ ...OPTIONS, accessions: 200 });
    const numbers = plan.accessions.map((a) => a.accession);
    expect(new Set(numbers).size).toBe(200);
    expect(numbers.every((n) => /^\d{6}$/.test(n))).toBe(true);
    expect(numbers.some((n) => n.startsWith("00"))).toBe(true);
    const perPatient = new Map<string, number>();
    for (const a of plan.accessions) perPatient.set(a.patientId, (perPatient.get(a.patientId) ?? 0) + 1);
    expect(perPatient.size).toBe(plan.patients);
    expect([...perPatient.values()].some((k) => k > 1)).toBe(true);
    expect(plan.patients).toBeLessThan(200);
  });

  test("planCohort gives 1–4 standard views (L/R × CC/MLO), and only odd views to class 5", () => {
    for (const a of planCohort({ ...OPTIONS, accessions: 200 }).accessions) {
      const names = a.views.map((v) => `${v.laterality}_${v.viewPosition}`);
      expect(new Set(names).size).toBe(names.length);
      if (a.label === 5) {
        expect(names.length >= 1 && names.length <= 2).toBe(true);
        expect(a.views.every((v) => v.phantomView === "spot" && !["CC", "MLO"].includes(v.viewPosition))).toBe(true);
      } else {
        expect(names.length >= 1 && names.length <= 4).toBe(true);
        expect(names.every((n) => ["L_CC", "L_MLO", "R_CC", "R_MLO"].includes(n))).toBe(true);
      }
    }
  });

  test("planCohort is deterministic in the seed", () => {
    expect(JSON.stringify(planCohort(OPTIONS))).toBe(JSON.stringify(planCohort(OPTIONS)));
    expect(JSON.stringify(planCohort({ ...OPTIONS, seed: 43 }))).not.toBe(JSON.stringify(planCohort(OPTIONS)));
  });

  test("planCohort rejects a bad --label-noise with the flag and value", () => {
    expect(() => planCohort({ ...OPTIONS, labelNoise: 1.5 })).toThrow("invalid --label-noise: 1.5");
  });
});

describe("renderPhantom", () => {
  const anatomy = drawAnatomy(stream(1, "test/anatomy"));
  const render = (density: Density, fraction: number, view: "CC" | "MLO" | "spot" = "CC") =>
    renderPhantom({ width: 52, height: 64, laterality: "L", view, anatomy, denseFraction: fraction, density, tissue: stream(1, `test/tissue/${view}`) });

  test("renderPhantom makes the requested fraction of the breast fibroglandular", () => {
    for (const [density, fraction] of [
      [1, 0.05],
      [2, 0.25],
      [3, 0.45],
      [4, 0.75],
    ] as const) {
      const p = render(density, fraction);
      expect(Math.abs(p.denseFraction - fraction)).toBeLessThan(0.01);
      let dense = 0;
      let breast = 0;
      for (let i = 0; i < p.breast.length; i++) {
        breast += p.breast[i] as number;
        dense += p.dense[i] as number;
        if (p.dense[i]) expect(p.breast[i]).toBe(1);
      }
      expect(dense / breast).toBe(p.denseFraction);
    }
  });

  test("renderPhantom brightens the breast as density rises", () => {
    const mean = (d: Density, f: number) => {
      const p = render(d, f);
      let s = 0;
      let n = 0;
      for (let i = 0; i < p.image.length; i++) if (p.breast[i]) (s += p.image[i] as number), n++;
      return s / n;
    };
    const m = [mean(1, 0.07), mean(2, 0.23), mean(3, 0.46), mean(4, 0.72)];
    expect(m.every((v, i) => i === 0 || v > (m[i - 1] as number))).toBe(true);
  });

  test("renderPhantom draws the pectoral muscle in the chest-wall corner of an MLO view only", () => {
    const mlo = render(2, 0.2, "MLO");
    const cc = render(2, 0.2, "CC");
    // Left breast: chest wall at x = 0; the top-left pixel is pectoral on MLO (bright, not breast).
    expect(mlo.breast[0]).toBe(0);
    expect(mlo.image[0]).toBeGreaterThan(0.5);
    expect(cc.image[0]).toBeLessThan(0.1);
    // Background beyond the nipple on the far side is dark in both.
    expect(cc.image[cc.width - 1]).toBeLessThan(0.1);
  });
});
