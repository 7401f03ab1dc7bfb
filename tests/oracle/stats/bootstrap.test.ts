import { beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { cohenKappaQuadratic, rocAucOvr } from "../../../lib/metrics/index.ts";
import { stream } from "../../../lib/rng/index.ts";
import { bootstrapGroups, mean, normalCdf, normalQuantile, rangeTInterval, type BootstrapInterval } from "../../../lib/stats/index.ts";

/** One patient's rows: [y_true, y_pred, p_A, p_B, p_C, p_D]. */
type Row = number[];

interface Case {
  name: string;
  kind: "mean" | "kappa" | "auc";
  data: number[];
  rows?: Row[][];
  ours: BootstrapInterval;
  thetaB: number[];
}

interface CaseOracle {
  estimate: number | null;
  percentile: [number | null, number | null];
  a_hat: number | null;
  levels: [number | null, number | null];
  bca: [number | null, number | null];
}

const RESAMPLES = 4000;
const ALPHA = 0.025;

/**
 * Runs bootstrapGroups and keeps the resampled values it computed: the statistic is called for
 * the B resamples first, in order, then for the estimate and the jackknife.
 */
function run<T>(groups: readonly T[], stat: (s: readonly T[]) => number | null, seed: number): { ours: BootstrapInterval; thetaB: number[] } {
  const thetaB: number[] = [];
  let calls = 0;
  const ours = bootstrapGroups(
    groups,
    (s) => {
      const v = stat(s);
      if (calls++ < RESAMPLES && v !== null && !Number.isNaN(v)) thetaB.push(v);
      return { v };
    },
    { resamples: RESAMPLES, rng: stream(seed, "bootstrap"), confidence: 1 - 2 * ALPHA },
  ).v;
  return { ours, thetaB };
}

const rng = stream(11, "bootstrap-oracle");

/** Patients with 1–3 rows, labels cycling with a rare class A, predictions right with probability `skill`. */
function patients(n: number, skill: number, rareA: number): Row[][] {
  return Array.from({ length: n }, (_, p) => {
    const y = p % rareA === 0 ? 0 : 1 + (p % 3);
    return Array.from({ length: 1 + rng.int(3) }, () => {
      const pred = rng.float() < skill ? y : rng.int(4);
      const raw = [0, 1, 2, 3].map((c) => (c === pred ? 1.5 : 0) + rng.float());
      const sum = raw.reduce((a, b) => a + b, 0);
      return [y, pred, ...raw.map((v) => v / sum)];
    });
  });
}

const flat = (s: readonly Row[][]) => s.flat();
const kappaOf = (s: readonly Row[][]) => {
  const rows = flat(s);
  const k = cohenKappaQuadratic(rows.map((r) => r[0]!), rows.map((r) => r[1]!));
  return Number.isNaN(k) ? null : k;
};
const aucOf = (s: readonly Row[][]) => {
  const rows = flat(s);
  return rocAucOvr(rows.map((r) => r[0]!), rows.map((r) => r.slice(2)));
};

const cases: Case[] = [];
let oracle: { cases: CaseOracle[]; montecarlo: { percentile: [number, number]; BCa: [number, number] }[]; logit_t: [number, number][]; ndtri: number[]; ndtr: number[] };
// Multiples of 1/64: sums are exact in any order, so a resample that equals the data up to order ties
// with the estimate in numpy (pairwise sums) exactly as here (sequential sums).
const skewed = Array.from({ length: 40 }, () => Math.round(-64 * Math.log(1 - rng.float())) / 64);
const monte = { data: skewed, resamples: 20000, confidence: 0.95 };
const boundedSets = [
  { values: [0.2, 0.9, 0.5], min: 0, max: 1 },
  { values: [0.676, 0.733, 0.679], min: 0, max: 1 },
  { values: [0.697, 0.756, 0.71], min: -1, max: 1 },
  { values: [0.91, 0.93, 0.88, 0.95, 0.9], min: 0, max: 1 },
];
const probabilities = [1e-10, 0.001, 0.025, 0.3, 0.5, 0.8, 0.975, 0.999];
const zs = [-8, -3, -1.96, -0.5, 0, 0.7, 2.5];

beforeAll(() => {
  const add = (name: string, kind: Case["kind"], data: number[], result: { ours: BootstrapInterval; thetaB: number[] }, rows?: Row[][]) =>
    cases.push({ name, kind, data, ...result, ...(rows ? { rows } : {}) });
  add("mean of a skewed sample (n = 40)", "mean", skewed, run(skewed, (s) => mean(s), 1));
  const small = skewed.slice(0, 8);
  add("mean of 8 values", "mean", small, run(small, (s) => mean(s), 2));
  for (const [n, skill, rareA] of [
    [60, 0.7, 5],
    [25, 0.5, 6],
  ] as const) {
    const pts = patients(n, skill, rareA);
    const idx = pts.map((_, i) => i);
    add(`κ over ${n} patients`, "kappa", idx, run(idx, (s) => kappaOf(s.map((i) => pts[i]!)), 3), pts);
    // With a rare class A, many resamples miss it: the AUC is undefined there.
    add(`AUC over ${n} patients`, "auc", idx, run(idx, (s) => aucOf(s.map((i) => pts[i]!)), 4), pts);
  }
  const input = {
    cases: cases.map((c) => ({ kind: c.kind, data: c.data, rows: c.rows, theta_b: c.thetaB, alpha: ALPHA })),
    montecarlo: [monte],
    logit_t: boundedSets.map((b) => ({ ...b, confidence: 0.95 })),
    ndtri: probabilities,
    ndtr: zs,
  };
  const proc = Bun.spawnSync(["/usr/bin/python3", join(import.meta.dir, "bootstrap-oracle.py")], { stdin: Buffer.from(JSON.stringify(input)) });
  if (proc.exitCode !== 0) throw new Error(`scipy oracle failed (apt install python3-scipy python3-sklearn): ${proc.stderr.toString()}`);
  oracle = JSON.parse(proc.stdout.toString());
});

function close(actual: number | null, expected: number | null, tol = 1e-9): void {
  if (expected === null) expect(actual).toBeNull();
  else expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected)));
}

describe("bootstrapGroups against scipy 1.10's BCa code on the same resamples", () => {
  test("estimate, percentile interval and BCa interval equal scipy's for means, κ and AUC over patients", () => {
    expect(oracle.cases.length).toBe(cases.length);
    cases.forEach((c, i) => {
      const o = oracle.cases[i]!;
      try {
        close(c.ours.estimate, o.estimate);
        close(c.ours.low, o.percentile[0]);
        close(c.ours.high, o.percentile[1]);
        close(c.ours.bcaLow, o.bca[0]);
        close(c.ours.bcaHigh, o.bca[1]);
      } catch (err) {
        throw new Error(`${c.name}: ${(err as Error).message}`);
      }
    });
  });

  test("every case has a BCa interval; the cases include a non-zero acceleration and AUC resamples left out as undefined, counted", () => {
    for (const c of cases) expect(c.ours.bcaLow).not.toBeNull();
    expect(oracle.cases.some((o) => Math.abs(o.a_hat ?? 0) > 1e-3)).toBe(true);
    const auc = cases.filter((c) => c.kind === "auc");
    expect(auc.some((c) => c.ours.undefinedResamples > 0)).toBe(true);
    for (const c of cases) expect(c.ours.valid + c.ours.undefinedResamples).toBe(RESAMPLES);
  });
});

test("bootstrapGroups(mean, 20,000 resamples) agrees with scipy.stats.bootstrap's own resampling to Monte Carlo error", () => {
  const ours = bootstrapGroups(monte.data, (s) => ({ m: mean(s) }), { resamples: monte.resamples, rng: stream(9, "bootstrap") }).m;
  const o = oracle.montecarlo[0]!;
  // Bounds of a 20,000-resample interval move by ~1 % of its width between seeds.
  const width = o.percentile[1] - o.percentile[0];
  expect(Math.abs(ours.low! - o.percentile[0])).toBeLessThan(0.03 * width);
  expect(Math.abs(ours.high! - o.percentile[1])).toBeLessThan(0.03 * width);
  expect(Math.abs(ours.bcaLow! - o.BCa[0])).toBeLessThan(0.03 * width);
  expect(Math.abs(ours.bcaHigh! - o.BCa[1])).toBeLessThan(0.03 * width);
});

test("rangeTInterval = scipy t.interval on logit((x − min)/(max − min)), mapped back with expit", () => {
  boundedSets.forEach((b, i) => {
    const ci = rangeTInterval(b.values, { min: b.min, max: b.max });
    expect(ci.scale).toBe("logit");
    close(ci.low, oracle.logit_t[i]![0], 1e-8);
    close(ci.high, oracle.logit_t[i]![1], 1e-8);
  });
});

test("normalQuantile = scipy.stats.norm.ppf and normalCdf = norm.cdf", () => {
  probabilities.forEach((p, i) => close(normalQuantile(p), oracle.ndtri[i]!, 1e-13));
  zs.forEach((z, i) => close(normalCdf(z), oracle.ndtr[i]!, 1e-13));
});
