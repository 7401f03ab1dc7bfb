import type { Rng } from "../rng/index.ts";

/** A CSV label: BI-RADS density 1–4, or 5 = non-standard incidence. */
export type Label = 1 | 2 | 3 | 4 | 5;

/** Rows per class in the real `classificacao.csv` (2,057 rows): the synthetic cohort's label mix. */
export const REAL_CLASS_COUNTS: Readonly<Record<Label, number>> = { 1: 58, 2: 437, 3: 978, 4: 420, 5: 164 };

/**
 * Splits `n` into integer parts proportional to `weights` (largest remainder; ties go to the
 * earlier weight), so the parts always sum to `n` and each is within 1 of its exact share.
 */
export function quotas(n: number, weights: readonly number[]): number[] {
  const total = weights.reduce((s, w) => s + w, 0);
  const exact = weights.map((w) => (n * w) / total);
  const parts = exact.map(Math.floor);
  const order = exact.map((e, i) => ({ i, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.i - b.i);
  let left = n - parts.reduce((s, p) => s + p, 0);
  for (const { i } of order) {
    if (left-- <= 0) break;
    parts[i] = (parts[i] as number) + 1;
  }
  return parts;
}

/** `n` values with counts from `quotas(n, weights)`, in a seeded random order. */
export function balanced<T>(rng: Rng, n: number, choices: readonly T[], weights: readonly number[]): T[] {
  const out: T[] = [];
  quotas(n, weights).forEach((count, k) => {
    for (let j = 0; j < count; j++) out.push(choices[k] as T);
  });
  return rng.shuffle(out);
}

/** Draws one of `choices` with probability proportional to `weights`. */
export function pick<T>(rng: Rng, choices: readonly T[], weights: readonly number[]): T {
  const total = weights.reduce((s, w) => s + w, 0);
  let u = rng.float() * total;
  for (let k = 0; k < choices.length; k++) {
    u -= weights[k] as number;
    if (u < 0) return choices[k] as T;
  }
  return choices[choices.length - 1] as T;
}
