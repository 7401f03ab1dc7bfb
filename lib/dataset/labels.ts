/** BI-RADS density class: 1–4 = A–D; 5 = non-standard incidence (classificacao.csv only). */
export type DensityLabel = 1 | 2 | 3 | 4 | 5;

/** `A`..`D` (any case), optionally prefixed `DENSITY ` as VinDr-Mammo writes it, → 1..4. */
export function letterLabel(value: string): DensityLabel | null {
  const m = /^(?:density\s*)?([a-d])$/i.exec(value.trim());
  return m ? ((((m[1] as string).toUpperCase().charCodeAt(0) - 64) as DensityLabel)) : null;
}

/** An integer written as `3`, `3.0` or `03` (spreadsheets re-save integers as floats), or null. */
export function integerLabel(value: string): number | null {
  const m = /^0*(\d+)(?:\.0+)?$/.exec(value.trim());
  return m ? Number(m[1]) : null;
}

/** `classificacao.csv`: 1–5 as written. */
export function classificacaoLabel(value: string): DensityLabel | null {
  const n = integerLabel(value);
  return n !== null && n >= 1 && n <= 5 ? (n as DensityLabel) : null;
}

/** CBIS-DDSM `breast_density`: 1–4. */
export function cbisLabel(value: string): DensityLabel | null {
  const n = integerLabel(value);
  return n !== null && n >= 1 && n <= 4 ? (n as DensityLabel) : null;
}

/**
 * How a label column codes the four density classes: `0-3` and `1-4` (numbers, A = 0 or A = 1),
 * `A-D` (letters, optionally `DENSITY A`); `auto` tells them apart from the data when it can.
 */
export const LABEL_CODINGS = ["auto", "0-3", "1-4", "A-D"] as const;
export type LabelCoding = (typeof LABEL_CODINGS)[number];

/**
 * Path-based CSV label under a known coding: `A-D` letters → 1–4; `0-3` → 1–4; `1-4` as is, 5
 * being the non-standard class as in classificacao.csv. A value of another coding is refused
 * (null): a column said to count from 0 holding a 4 is a mistake somewhere, not a class.
 */
export function codedLabel(value: string, coding: Exclude<LabelCoding, "auto">): DensityLabel | null {
  if (coding === "A-D") return letterLabel(value);
  const n = integerLabel(value);
  if (n === null) return null;
  if (coding === "0-3") return n <= 3 ? ((n + 1) as DensityLabel) : null;
  return n >= 1 && n <= 5 ? (n as DensityLabel) : null;
}

/** What a label column's values say about their coding under `auto`. */
export type CodingEvidence =
  | { coding: Exclude<LabelCoding, "auto"> }
  /** Numbers only in 1–3 (no 0, no 4 or 5): B–D counted from 0, or A–C counted from 1. */
  | { ambiguous: Record<string, number> }
  /** Both a 0 (only 0–3 has it) and a 4 or 5 (only 1–4 has them). */
  | { conflicting: { zero: number; high: string } };

/**
 * Tells a column's coding from its values: letters only → A–D; a 0 → 0–3 (a 1-based column never
 * holds one); a 4 or 5 → 1–4. Numbers only in 1–3 cannot be told apart (a 0-based column whose
 * class A is absent looks exactly like a 1-based one without class D): ambiguous, and the caller
 * must ask for `--label-coding` rather than guess. Letters next to numbers leave the numbers to
 * decide. Non-label values are ignored here (the row reader names them).
 */
export function detectCoding(values: readonly string[]): CodingEvidence {
  const numbers = values.map(integerLabel).filter((n): n is number => n !== null);
  if (numbers.length === 0) return { coding: "A-D" };
  const zero = numbers.filter((n) => n === 0).length;
  const high = numbers.find((n) => n === 4 || n === 5);
  if (zero && high !== undefined) return { conflicting: { zero, high: String(high) } };
  if (zero) return { coding: "0-3" };
  if (high !== undefined) return { coding: "1-4" };
  const counts: Record<string, number> = {};
  for (const n of numbers) counts[n] = (counts[n] ?? 0) + 1;
  return { ambiguous: counts };
}
