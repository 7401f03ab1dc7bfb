import type { ParamDistribution } from "../../lib/hpo/index.ts";
import type { HpoStudy, HpoTrial } from "../inputs/hpo.ts";

/** Finished trials with a value, and the parameters that vary across them (sorted by name). */
export function finishedTrials(study: HpoStudy): { trials: (HpoTrial & { objective: number })[]; params: string[] } {
  const trials = study.trials.filter((t): t is HpoTrial & { objective: number } => t.objective !== null);
  const params = [...new Set(trials.flatMap((t) => Object.keys(t.params)))].filter((p) => new Set(trials.map((t) => String(t.params[p]))).size > 1).sort();
  return { trials, params };
}

/** How one parameter is laid on an axis: log or linear numbers, or categories in order. */
export type ParamAxis =
  | { kind: "number"; log: boolean; min: number; max: number }
  | { kind: "category"; values: string[] };

/** The axis of `param` from the search space when known, else from the values seen. */
export function paramAxis(param: string, values: readonly (string | number | boolean)[], dist: ParamDistribution | undefined): ParamAxis {
  if (dist?.type === "categorical") return { kind: "category", values: dist.choices.map(String) };
  if (values.every((v) => typeof v === "number")) {
    const nums = values as number[];
    const log = dist ? dist.log : false;
    return { kind: "number", log, min: dist ? dist.low : Math.min(...nums), max: dist ? dist.high : Math.max(...nums) };
  }
  return { kind: "category", values: [...new Set(values.map(String))].sort() };
}

/** Position of `value` on `axis` in [0, 1]. */
export function axisPosition(axis: ParamAxis, value: string | number | boolean): number {
  if (axis.kind === "category") {
    const i = axis.values.indexOf(String(value));
    return axis.values.length === 1 ? 0.5 : Math.max(0, i) / (axis.values.length - 1);
  }
  const v = value as number;
  const f = (x: number) => (axis.log ? Math.log10(x) : x);
  const span = f(axis.max) - f(axis.min);
  return span === 0 ? 0.5 : (f(v) - f(axis.min)) / span;
}

/** Short text of a parameter value (4 significant digits; log-scale values in exponent form). */
export function formatParam(value: string | number | boolean): string {
  if (typeof value !== "number") return String(value);
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) < 1e-3 || Math.abs(value) >= 1e4 ? value.toExponential(1) : String(Number(value.toPrecision(3)));
}
