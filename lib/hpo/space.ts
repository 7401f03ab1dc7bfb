import { z } from "zod";
import { readJson } from "../artifacts/index.ts";

/** A float in [low, high]; `log` samples log-uniformly; `step` snaps to low + k·step. */
const floatParam = z.object({
  type: z.literal("float"),
  low: z.number(),
  high: z.number(),
  log: z.boolean().default(false),
  step: z.number().positive().optional(),
});
/** An integer in [low, high] (inclusive); `step` default 1; `log` samples log-uniformly. */
const intParam = z.object({
  type: z.literal("int"),
  low: z.number().int(),
  high: z.number().int(),
  log: z.boolean().default(false),
  step: z.number().int().positive().default(1),
});
/** One of `choices` (numbers, strings or booleans). */
const categoricalParam = z.object({
  type: z.literal("categorical"),
  choices: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1),
});

export const paramDistribution = z.discriminatedUnion("type", [floatParam, intParam, categoricalParam]);
export type ParamDistribution = z.infer<typeof paramDistribution>;

/**
 * The search-space file given to `hpo --space`. `params` keys are `train` params (camelCase or
 * kebab-case); `fixed` are `train` params every trial shares; `objective` is a validation metric.
 */
export const searchSpaceSchema = z
  .object({
    params: z.record(z.string(), paramDistribution),
    fixed: z.record(z.string(), z.unknown()).default({}),
    objective: z.enum(["macro_f1", "kappa_quadratic", "accuracy", "auc_ovr", "bal_acc"]).default("macro_f1"),
    direction: z.enum(["maximize", "minimize"]).default("maximize"),
  })
  .superRefine((space, ctx) => {
    for (const [name, d] of Object.entries(space.params)) {
      if (d.type === "categorical") continue;
      if (!(d.low < d.high)) ctx.addIssue({ code: "custom", path: ["params", name, "low"], message: `low (${d.low}) must be below high (${d.high})` });
      if (d.log && d.low <= 0) ctx.addIssue({ code: "custom", path: ["params", name, "low"], message: `log scale needs low > 0, got ${d.low}` });
      if (d.log && d.type === "float" && d.step !== undefined) ctx.addIssue({ code: "custom", path: ["params", name, "step"], message: "step cannot be combined with log" });
    }
  });
export type SearchSpace = z.infer<typeof searchSpaceSchema>;

export function readSearchSpace(path: string): SearchSpace {
  return readJson(path, searchSpaceSchema, "search space");
}

/** Snaps a raw value into the distribution's domain (step grid, integer, bounds). */
export function snap(d: ParamDistribution, value: number): number {
  if (d.type === "categorical") return value;
  const step = d.type === "int" ? d.step : d.step;
  let v = value;
  if (step !== undefined && !d.log) v = d.low + Math.round((v - d.low) / step) * step;
  if (d.type === "int") v = Math.round(v);
  return Math.min(d.high, Math.max(d.low, v));
}
