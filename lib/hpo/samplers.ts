import type { Rng } from "../rng/index.ts";
import { snap, type ParamDistribution, type SearchSpace } from "./space.ts";

export type ParamValue = string | number | boolean;
export type TrialParams = Record<string, ParamValue>;

/** A finished trial as the samplers see it. */
export interface Observation {
  params: TrialParams;
  /** Objective value; larger is better after the study's direction was applied. */
  score: number;
}

/** One uniform draw from a distribution. */
export function sampleOne(d: ParamDistribution, rng: Rng): ParamValue {
  if (d.type === "categorical") return d.choices[rng.int(d.choices.length)] as ParamValue;
  if (d.log) return snap(d, Math.exp(Math.log(d.low) + rng.float() * (Math.log(d.high) - Math.log(d.low))));
  if (d.type === "int") return d.low + d.step * rng.int(Math.floor((d.high - d.low) / d.step) + 1);
  return snap(d, d.low + rng.float() * (d.high - d.low));
}

/**
 * Random search: trial i's params depend only on (seed, i) through the stream `hpo/trial/i`, so
 * they are the same whatever the number of workers or the order trials finish in.
 */
export function randomSample(space: SearchSpace, rng: Rng): TrialParams {
  const out: TrialParams = {};
  for (const name of Object.keys(space.params).sort()) out[name] = sampleOne(space.params[name] as ParamDistribution, rng.child(name));
  return out;
}

/** Internal coordinate of a value: log for log-scaled params, as is otherwise. */
function toInternal(d: Exclude<ParamDistribution, { type: "categorical" }>, v: number): number {
  return d.log ? Math.log(v) : v;
}

function normalPdf(x: number, mu: number, sigma: number): number {
  const z = (x - mu) / sigma;
  return Math.exp(-0.5 * z * z) / (sigma * Math.sqrt(2 * Math.PI));
}

/** Parzen estimator over observed internal values, with a prior component over the whole range. */
function parzen(values: readonly number[], low: number, high: number): { mus: number[]; sigmas: number[] } {
  const range = high - low;
  const mus = [(low + high) / 2, ...values];
  const sorted = [...mus].sort((a, b) => a - b);
  const sigmas = mus.map((m, i) => {
    if (i === 0) return range; // prior
    const k = sorted.indexOf(m);
    const left = k > 0 ? m - (sorted[k - 1] as number) : m - low;
    const right = k < sorted.length - 1 ? (sorted[k + 1] as number) - m : high - m;
    return Math.min(range, Math.max(range / Math.min(100, 1 + mus.length), left, right));
  });
  return { mus, sigmas };
}

function mixtureDensity(x: number, p: { mus: number[]; sigmas: number[] }): number {
  let s = 0;
  for (let i = 0; i < p.mus.length; i++) s += normalPdf(x, p.mus[i] as number, p.sigmas[i] as number);
  return s / p.mus.length;
}

export interface TpeOptions {
  /** Trials sampled at random before TPE starts (default 10). */
  nStartup: number;
  /** Fraction of trials counted as "good" (default 0.25). */
  gamma: number;
  /** Candidates drawn from the good model per parameter (default 24). */
  nCandidates: number;
}

export const DEFAULT_TPE: TpeOptions = { nStartup: 10, gamma: 0.25, nCandidates: 24 };

/**
 * Tree-structured Parzen Estimator (independent per parameter, as Optuna's default): split the
 * finished trials into the best γ fraction and the rest, model each with a Parzen mixture, and pick
 * the candidate (drawn from the good model) that maximises l(x)/g(x). Deterministic given the
 * history and `rng`.
 */
export function tpeSample(space: SearchSpace, history: readonly Observation[], rng: Rng, options: TpeOptions = DEFAULT_TPE): TrialParams {
  if (history.length < options.nStartup) return randomSample(space, rng);
  const ranked = [...history].sort((a, b) => b.score - a.score);
  const nGood = Math.max(1, Math.ceil(options.gamma * ranked.length));
  const good = ranked.slice(0, nGood);
  const bad = ranked.slice(nGood);
  const out: TrialParams = {};
  for (const name of Object.keys(space.params).sort()) {
    const d = space.params[name] as ParamDistribution;
    const r = rng.child(name);
    if (d.type === "categorical") {
      // Smoothed category frequencies (prior weight 1 each).
      const weight = (set: readonly Observation[], c: ParamValue) => (1 + set.filter((o) => o.params[name] === c).length) / (d.choices.length + set.length);
      let best = d.choices[0] as ParamValue;
      let bestRatio = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < options.nCandidates; i++) {
        // Draw from the good distribution.
        let u = r.float() * (d.choices.length + good.length);
        let pick = d.choices[d.choices.length - 1] as ParamValue;
        for (const c of d.choices) {
          u -= 1 + good.filter((o) => o.params[name] === c).length;
          if (u < 0) {
            pick = c;
            break;
          }
        }
        const ratio = weight(good, pick) / weight(bad, pick);
        if (ratio > bestRatio) {
          bestRatio = ratio;
          best = pick;
        }
      }
      out[name] = best;
      continue;
    }
    const low = toInternal(d, d.low);
    const high = toInternal(d, d.high);
    const values = (set: readonly Observation[]) => set.map((o) => o.params[name]).filter((v): v is number => typeof v === "number").map((v) => toInternal(d, v));
    const l = parzen(values(good), low, high);
    const g = parzen(values(bad), low, high);
    let best = (low + high) / 2;
    let bestRatio = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < options.nCandidates; i++) {
      const k = r.int(l.mus.length);
      let x = (l.mus[k] as number) + (l.sigmas[k] as number) * r.normal();
      x = Math.min(high, Math.max(low, x));
      const ratio = Math.log(mixtureDensity(x, l) + 1e-300) - Math.log(mixtureDensity(x, g) + 1e-300);
      if (ratio > bestRatio) {
        bestRatio = ratio;
        best = x;
      }
    }
    out[name] = snap(d, d.log ? Math.exp(best) : best);
  }
  return out;
}
