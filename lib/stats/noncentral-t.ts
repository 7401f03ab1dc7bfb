import { normalCdf } from "./normal.ts";
import { betaInc, logGamma } from "./special.ts";

/**
 * CDF of the non-central t distribution with `df` degrees of freedom and non-centrality `nc`
 * (scipy `nct.cdf(t, df, nc)`), by Lenth's series (Applied Statistics algorithm AS 243, 1989):
 * for t ≥ 0, F(t) = Φ(−δ) + ½ Σ_j [P_j I_x(j + ½, ν/2) + Q_j I_x(j + 1, ν/2)] with
 * x = t²/(t² + ν), P_j = e^{−δ²/2} (δ²/2)^j / j!, Q_j = δ e^{−δ²/2} (δ²/2)^j / (√2 Γ(j + 3/2));
 * for t < 0, F(t; ν, δ) = 1 − F(−t; ν, −δ). Each incomplete beta is evaluated directly (no
 * recurrence), and the sum runs past the Poisson mode until the remaining weight is negligible.
 */
export function nonCentralTCdf(t: number, df: number, nc: number): number {
  if (!(df > 0) || Number.isNaN(t) || Number.isNaN(nc)) return Number.NaN;
  if (t === Number.POSITIVE_INFINITY) return 1;
  if (t === Number.NEGATIVE_INFINITY) return 0;
  if (t < 0) return 1 - upperSeries(-t, df, -nc);
  return upperSeries(t, df, nc);
}

/** Survival function 1 − F(t), as statsmodels computes it (`1 - nctdtr`). */
export function nonCentralTSf(t: number, df: number, nc: number): number {
  return 1 - nonCentralTCdf(t, df, nc);
}

function upperSeries(t: number, df: number, delta: number): number {
  const base = normalCdf(-delta);
  if (t === 0) return base;
  const x = (t * t) / (t * t + df);
  const lambda = (delta * delta) / 2;
  const halfDf = df / 2;
  const mode = Math.floor(lambda);
  let sum = 0;
  // Poisson-like weights in log space, so a large δ neither overflows nor underflows at j = 0.
  const logLambda = lambda > 0 ? Math.log(lambda) : Number.NEGATIVE_INFINITY;
  for (let j = 0; j < 100_000; j++) {
    const logP = j === 0 ? -lambda : -lambda + j * logLambda - logGamma(j + 1);
    const p = Math.exp(logP);
    const q = delta === 0 ? 0 : Math.sign(delta) * Math.exp(-lambda + j * logLambda + Math.log(Math.abs(delta)) - 0.5 * Math.LN2 - logGamma(j + 1.5));
    const term = p * betaInc(x, j + 0.5, halfDf) + q * betaInc(x, j + 1, halfDf);
    sum += term;
    // Past the mode, the weights fall geometrically and each I_x ≤ 1: stop when they no longer count.
    if (j > mode && p + Math.abs(q) < 1e-18) break;
  }
  return Math.min(1, Math.max(0, base + 0.5 * sum));
}
