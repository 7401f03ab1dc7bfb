import { beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { stream } from "../../../lib/rng/index.ts";
import {
  cvPercent,
  holm,
  mean,
  median,
  nadeauBengioTest,
  pairedTTest,
  quantile,
  standardError,
  std,
  tInterval,
  wilcoxonSignedRank,
} from "../../../lib/stats/index.ts";

interface Described {
  mean: number;
  std_sample: number;
  std_population: number;
  cv_sample: number;
  sem: number;
  median: number;
  q025: number;
  q975: number;
  "t_ci_0.95": [number, number];
  "t_ci_0.9": [number, number];
}
interface PairOracle {
  t: number | null;
  t_p: number | null;
  ci: [number, number];
  wilcoxon_default_p: number;
  wilcoxon_approx_p: number;
  nb_t: number;
  nb_p: number;
  nb_ci: [number, number];
}
interface Pair {
  name: string;
  a: number[];
  b: number[];
  ratio: number;
  /** Differences are continuous: no zeros, no ties (scipy's default then is the method compared). */
  continuous: boolean;
}

const rng = stream(7, "stats-oracle");
const normals = (n: number, scale: number, offset: number) => Array.from({ length: n }, () => offset + scale * rng.normal());

/** 20 samples, sizes 2–200, of metric-like values (around 0.7, σ 0.03) and wider ones. */
const samples = [2, 3, 3, 4, 5, 5, 7, 10, 12, 20, 25, 30, 40, 50, 64, 80, 100, 120, 150, 200].map((n, i) =>
  i % 2 ? normals(n, 0.03, 0.7) : normals(n, 10, 5),
);

function makePairs(): Pair[] {
  const pairs: Pair[] = [];
  const sizes = [3, 4, 5, 6, 8, 10, 15, 20, 30, 50, 51, 60];
  sizes.forEach((n, i) => {
    const a = normals(n, 0.03, 0.7);
    const b = a.map((x) => x - 0.01 + 0.02 * rng.normal());
    pairs.push({ name: `continuous n=${n}`, a, b, ratio: 1 / (1 + (i % 5)), continuous: true });
  });
  [6, 10, 20, 40, 70].forEach((n) => {
    // Scores in hundredths: many tied |differences| and some zeros.
    const a = Array.from({ length: n }, () => 60 + rng.int(10));
    const b = Array.from({ length: n }, () => 60 + rng.int(10));
    pairs.push({ name: `hundredths n=${n}`, a: a.map((x) => x / 100), b: b.map((x) => x / 100), ratio: 0.25, continuous: false });
  });
  pairs.push({ name: "W+ at the centre (p = 1)", a: [1, 0, 0, 4], b: [0, 2, 3, 0], ratio: 0.5, continuous: true });
  pairs.push({ name: "all of A above B, n=3", a: [0.71, 0.75, 0.69], b: [0.68, 0.7, 0.67], ratio: 0.5, continuous: true });
  return pairs;
}
const pairs = makePairs();

const pvalues = [
  [0.01, 0.04, 0.03, 0.2],
  [0.5, 0.5, 0.001],
  [0.049, 0.051, 0.0001, 0.9, 0.3, 0.03, 0.03, 0.02, 0.6],
  [0.2],
  Array.from({ length: 12 }, () => rng.float() * 0.1),
];

let oracle: { samples: Described[]; pairs: PairOracle[]; holm: number[][] };

beforeAll(() => {
  const input = JSON.stringify({ samples, pairs: pairs.map(({ a, b, ratio }) => ({ a, b, ratio })), pvalues });
  const proc = Bun.spawnSync(["/usr/bin/python3", join(import.meta.dir, "scipy-oracle.py")], { stdin: Buffer.from(input) });
  if (proc.exitCode !== 0) {
    throw new Error(`scipy oracle failed (apt install python3-scipy python3-numpy python3-statsmodels): ${proc.stderr.toString()}`);
  }
  oracle = JSON.parse(proc.stdout.toString());
});

function close(actual: number, expected: number | null, tol = 1e-9): void {
  if (expected === null) expect(Number.isNaN(actual)).toBe(true);
  else expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected)));
}

function each<T, O>(items: readonly T[], expected: readonly O[], name: (t: T, i: number) => string, check: (t: T, o: O) => void): void {
  expect(expected.length).toBe(items.length);
  items.forEach((item, i) => {
    try {
      check(item, expected[i] as O);
    } catch (err) {
      throw new Error(`${name(item, i)}: ${(err as Error).message}`);
    }
  });
}
const sampleName = (x: number[], i: number) => `sample ${i} (n=${x.length})`;

describe("lib/stats descriptive statistics against numpy/scipy on 20 samples", () => {
  test("mean, std(sample) = np.std(ddof=1), std(population) = np.std(ddof=0), cvPercent", () =>
    each(samples, oracle.samples, sampleName, (x, o) => {
      close(mean(x), o.mean);
      close(std(x), o.std_sample);
      close(std(x, "sample"), o.std_sample);
      close(std(x, "population"), o.std_population);
      close(cvPercent(x), o.cv_sample);
    }));

  test("standardError = scipy.stats.sem; tInterval(x, c) = t.interval(c, n−1, mean, sem)", () =>
    each(samples, oracle.samples, sampleName, (x, o) => {
      close(standardError(x), o.sem);
      const ci95 = tInterval(x);
      close(ci95.low, o["t_ci_0.95"][0]);
      close(ci95.high, o["t_ci_0.95"][1]);
      const ci90 = tInterval(x, 0.9);
      close(ci90.low, o["t_ci_0.9"][0]);
      close(ci90.high, o["t_ci_0.9"][1]);
    }));

  test("median = np.median; quantile = np.quantile (linear)", () =>
    each(samples, oracle.samples, sampleName, (x, o) => {
      close(median(x), o.median);
      close(quantile(x, 0.025), o.q025);
      close(quantile(x, 0.975), o.q975);
    }));
});

describe("lib/stats paired tests against scipy on 19 paired samples", () => {
  const name = (p: Pair) => p.name;

  test("pairedTTest(a, b) = scipy.stats.ttest_rel (t, p, confidence_interval(0.95))", () =>
    each(pairs, oracle.pairs, name, (p, o) => {
      const r = pairedTTest(p.a, p.b);
      close(r.t, o.t);
      close(r.p, o.t_p);
      close(r.ciLow, o.ci[0]);
      close(r.ciHigh, o.ci[1]);
      expect(r.df).toBe(p.a.length - 1);
    }));

  test("wilcoxonSignedRank(a, b) = scipy.stats.wilcoxon default when differences are continuous, method='approx' with ties/zeros", () =>
    each(pairs, oracle.pairs, name, (p, o) => {
      const r = wilcoxonSignedRank(p.a, p.b);
      if (p.continuous) {
        expect(r.method).toBe(p.a.length <= 50 ? "exact" : "normal");
        close(r.p, o.wilcoxon_default_p, 1e-6);
      } else {
        expect(r.method).toBe("normal");
        close(r.p, o.wilcoxon_approx_p, 1e-6);
      }
    }));

  test("the sets include exact, normal, tied and zero-difference Wilcoxon cases", () => {
    const methods = pairs.map((p) => wilcoxonSignedRank(p.a, p.b).method);
    expect(methods.filter((m) => m === "exact").length).toBeGreaterThanOrEqual(8);
    expect(methods.filter((m) => m === "normal").length).toBeGreaterThanOrEqual(5);
    expect(pairs.some((p) => p.a.some((x, i) => x === p.b[i]))).toBe(true);
    expect(wilcoxonSignedRank([1, 0, 0, 4], [0, 2, 3, 0]).p).toBe(1);
  });

  test("nadeauBengioTest(a, b, r) = t test with variance × (1/J + r), scipy's t distribution", () =>
    each(pairs, oracle.pairs, name, (p, o) => {
      const r = nadeauBengioTest(p.a, p.b, p.ratio);
      close(r.t, o.nb_t);
      close(r.p, o.nb_p);
      close(r.ciLow, o.nb_ci[0]);
      close(r.ciHigh, o.nb_ci[1]);
      // The correction only widens: never a smaller p than the plain paired t test.
      expect(r.p).toBeGreaterThanOrEqual(pairedTTest(p.a, p.b).p);
    }));
});

test("holm(p) = statsmodels multipletests(p, method='holm')", () =>
  each(pvalues, oracle.holm, (_, i) => `p-values ${i}`, (p, o) => {
    const adjusted = holm(p);
    adjusted.forEach((v, i) => close(v as number, o[i] as number, 1e-12));
  }));
