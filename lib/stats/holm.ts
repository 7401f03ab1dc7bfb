/**
 * Holm–Bonferroni step-down adjustment: with the m defined p-values sorted ascending,
 * p̃_(i) = min(1, max_{j ≤ i} (m − j + 1) · p_(j)). Nulls (tests that could not be run) are kept
 * (and NaNs) as null and do not count in m. Same as statsmodels `multipletests(method="holm")`.
 */
export function holm(pValues: readonly (number | null)[]): (number | null)[] {
  const defined = pValues.flatMap((p, i) => (p === null || Number.isNaN(p) ? [] : [{ p, i }])).sort((x, y) => x.p - y.p);
  const m = defined.length;
  const out: (number | null)[] = pValues.map(() => null);
  let running = 0;
  defined.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    out[i] = running;
  });
  return out;
}
