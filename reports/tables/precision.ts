/**
 * How many digits a number deserves, from its uncertainty: σ to two significant digits and the
 * mean to the same decimal place (so 0.6955 ± 0.02619 reads 0.696 ± 0.026, and 0.71 ± 0.0012
 * reads 0.7100 ± 0.0012); CV % to one decimal. A σ of 0 (or none) gives the reference tables'
 * three decimals.
 */

/** Decimals that show `sd` to two significant digits (3 when sd is 0, missing or not finite). */
export function decimalsFor(sd: number | null | undefined): number {
  if (sd === null || sd === undefined || !Number.isFinite(sd) || sd === 0) return 3;
  const a = Math.abs(sd);
  let d = Math.max(0, 1 - Math.floor(Math.log10(a)));
  // 0.0996 to two significant digits is 0.10, not 0.100: round first, then count again.
  const rounded = Number(a.toFixed(d));
  if (rounded > 0) d = Math.max(0, 1 - Math.floor(Math.log10(rounded)));
  return Math.min(d, 8);
}

/** `mean ± sd` as two strings with the precision the σ allows. */
export function meanSdText(mean: number, sd: number | null | undefined): { mean: string; sd: string } {
  const d = decimalsFor(sd);
  return { mean: mean.toFixed(d), sd: sd === null || sd === undefined || !Number.isFinite(sd) ? "–" : sd.toFixed(d) };
}

/** A coefficient of variation in percent, one decimal. */
export function cvPercentText(cv: number | null | undefined): string {
  return cv === null || cv === undefined || !Number.isFinite(cv) ? "–" : cv.toFixed(1);
}
