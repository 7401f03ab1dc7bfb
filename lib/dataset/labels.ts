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
 * How a path-based CSV numbers its classes. 1–3 alone cannot tell whether the column counts from
 * 0 (0–3 = A–D) or from 1 (1–4 = A–D); the rule: a column holding any 0 counts from 0, otherwise
 * from 1. A 0-based column whose largest value happens to be 2 is therefore read correctly only
 * because it also holds a 0; a 1-based column never holds a 0.
 */
export function numericScheme(values: readonly string[]): "zero-based" | "one-based" {
  return values.some((v) => integerLabel(v) === 0) ? "zero-based" : "one-based";
}

/**
 * Path-based CSV label: A–D → 1–4; numbers by the column's scheme (0–3 → 1–4, or 1–4 as is,
 * 5 being the non-standard class as in classificacao.csv).
 */
export function pathsLabel(value: string, scheme: "zero-based" | "one-based"): DensityLabel | null {
  const letter = letterLabel(value);
  if (letter !== null) return letter;
  const n = integerLabel(value);
  if (n === null) return null;
  if (scheme === "zero-based") return n <= 3 ? ((n + 1) as DensityLabel) : null;
  return n >= 1 && n <= 5 ? (n as DensityLabel) : null;
}
