import quantileT from "@stdlib/stats-base-dists-t-quantile";
import { TaskError } from "../errors/index.ts";
import { nonCentralTCdf, nonCentralTSf } from "./noncentral-t.ts";

/**
 * Power of t tests, as statsmodels defines it (`statsmodels.stats.power`), two-sided:
 * power = P(T > t_{1−α/2, df}) + P(T < t_{α/2, df}) for T non-central t with df degrees of
 * freedom and non-centrality d·√n_eff.
 * - paired / one-sample (`TTestPower`): n pairs, df = n − 1, n_eff = n, d = Δ / σ_diff;
 * - two independent samples of n each (`TTestIndPower`, ratio 1): df = 2n − 2, n_eff = n/2,
 *   d = Δ / σ (the common σ of a run's metric).
 * n is continuous here (as in statsmodels); a plan rounds it up.
 */
export type PowerDesign = "paired" | "independent";

function degreesAndScale(design: PowerDesign, n: number): { df: number; nEff: number } {
  return design === "paired" ? { df: n - 1, nEff: n } : { df: 2 * n - 2, nEff: n / 2 };
}

/** Power of the two-sided test at effect size `d` (Δ/σ), `n` per group (pairs for paired), level `alpha`. NaN when df ≤ 0. */
export function tTestPower(design: PowerDesign, d: number, n: number, alpha: number): number {
  const { df, nEff } = degreesAndScale(design, n);
  if (!(df > 0)) return Number.NaN;
  const crit = quantileT(1 - alpha / 2, df);
  const nc = d * Math.sqrt(nEff);
  return nonCentralTSf(crit, df, nc) + nonCentralTCdf(-crit, df, nc);
}

/** Root of an increasing function on (lo, hi) by bisection, to a relative width of 1e-13. */
function bisect(f: (x: number) => number, lo: number, hi: number): number {
  for (let i = 0; i < 400 && hi - lo > 1e-13 * Math.max(1, Math.abs(hi)); i++) {
    const mid = (lo + hi) / 2;
    if (f(mid) < 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

function checkLevels(alpha: number, power: number): void {
  if (!(alpha > 0 && alpha < 1)) throw new TaskError("bad_power", `alpha must be in (0, 1), got ${alpha}`, { exitCode: 2 });
  if (!(power > alpha && power < 1)) throw new TaskError("bad_power", `power must be in (alpha, 1) = (${alpha}, 1), got ${power}`, { exitCode: 2 });
}

/**
 * The (continuous) n at which the two-sided test at effect size `d` reaches `power`
 * (statsmodels `solve_power(effect_size=d, nobs=None, …)`, `nobs1` for independent samples).
 * Power grows with n, so the root is bracketed by doubling from the smallest n with df > 0.
 */
export function solveSampleSize(design: PowerDesign, d: number, alpha: number, power: number): number {
  checkLevels(alpha, power);
  if (!(Math.abs(d) > 0) || !Number.isFinite(d)) throw new TaskError("bad_power", `effect size must be a non-zero number, got ${d}`, { exitCode: 2 });
  const f = (n: number) => tTestPower(design, d, n, alpha) - power;
  // Both designs need n > 1 for a positive df.
  const lo = 1 + 1e-9;
  if (f(lo) >= 0) return lo;
  let hi = 2;
  while (f(hi) < 0) {
    hi *= 2;
    if (hi > 1e9) throw new TaskError("bad_power", `no sample size below 1e9 reaches power ${power} at effect size ${d}`);
  }
  return bisect(f, hi === 2 ? lo : hi / 2, hi);
}

/**
 * The smallest effect size d (> 0) the two-sided test detects with `power` at `n` (statsmodels
 * `solve_power(effect_size=None, nobs=n, …)`). Power grows with d.
 */
export function solveEffectSize(design: PowerDesign, n: number, alpha: number, power: number): number {
  checkLevels(alpha, power);
  const { df } = degreesAndScale(design, n);
  if (!(df > 0)) throw new TaskError("bad_power", `${design === "paired" ? "a paired" : "an independent-samples"} t test needs n > 1 (got ${n})`, { exitCode: 2 });
  const f = (d: number) => tTestPower(design, d, n, alpha) - power;
  let hi = 1;
  while (f(hi) < 0) {
    hi *= 2;
    if (hi > 1e6) throw new TaskError("bad_power", `no effect size below 1e6 reaches power ${power} at n = ${n}`);
  }
  return bisect(f, 0, hi);
}
