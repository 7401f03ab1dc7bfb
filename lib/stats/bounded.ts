import { tInterval } from "./descriptive.ts";

/** The values a metric can take: [0, 1] for accuracy, F1, AUC, balanced accuracy; [−1, 1] for κ. */
export interface MetricRange {
  min: number;
  max: number;
}

/**
 * How a t interval was kept inside its metric's range:
 * - `logit`: computed on logit((x − min)/(max − x)) and mapped back (every value strictly inside);
 * - `clipped`: a value sits on a bound (logit ±∞), so the ordinary interval is cut to the range;
 * - `linear`: no range given, the ordinary interval.
 */
export type TScale = "logit" | "clipped" | "linear";

export interface RangeTInterval {
  /** NaN for fewer than 2 values. */
  low: number;
  high: number;
  scale: TScale;
}

const toLogit = (x: number, r: MetricRange) => Math.log((x - r.min) / (r.max - x));
const fromLogit = (y: number, r: MetricRange) => r.min + (r.max - r.min) / (1 + Math.exp(-y));

/**
 * Two-sided t interval for the centre of `values` that never leaves `range`. With every value
 * strictly inside the range, the ordinary t interval (scipy `t.interval`) of the logits is mapped
 * back: the interval then belongs to the back-transformed mean of the logits, which is close to
 * the arithmetic mean when the values are close together (as metrics over seeds are), and its
 * ends lie inside the range however few values there are (the ordinary interval on three
 * values, t(0.975, 2) = 4.30, often crosses 0 or 1). When a value sits on a bound the logit is
 * infinite: the ordinary interval is clipped to the range instead, and `scale` says so.
 */
export function rangeTInterval(values: readonly number[], range: MetricRange | null, confidence = 0.95): RangeTInterval {
  if (range === null) return { ...tInterval(values, confidence), scale: "linear" };
  const inside = values.every((x) => x > range.min && x < range.max);
  if (!inside) {
    const ci = tInterval(values, confidence);
    const clip = (x: number) => (Number.isNaN(x) ? x : Math.min(range.max, Math.max(range.min, x)));
    return { low: clip(ci.low), high: clip(ci.high), scale: "clipped" };
  }
  // Equal values: the interval is the value itself (exactly, not through exp/log round trips).
  if (values.length >= 2 && values.every((x) => x === values[0])) return { low: values[0] as number, high: values[0] as number, scale: "logit" };
  const logits = values.map((x) => toLogit(x, range));
  const ci = tInterval(logits, confidence);
  return { low: fromLogit(ci.low, range), high: fromLogit(ci.high, range), scale: "logit" };
}
