import type { Reference, SeedFingerprint, Tolerance } from "./fingerprint.ts";

export type Verdict = "identical" | "within tolerance" | "drift" | "missing";

/** The comparison of one seed with its reference. */
export interface SeedVerdict {
  seed: string;
  verdict: Verdict;
  /** First epoch (1-based) whose numbers diverge beyond tolerance, when there is one. */
  first_divergent_epoch: number | null;
  /** First metric (history column or final metric) that diverged, with both values. */
  first_divergent_metric: { name: string; reference: number | null; current: number | null } | null;
  /** Every difference found (name, reference, current), for the report. */
  differences: { name: string; reference: number | null; current: number | null; within_tolerance: boolean }[];
  weights_identical: boolean;
}

function within(ref: number, now: number, tol: Tolerance): boolean {
  return Math.abs(now - ref) <= Math.max(tol.absolute, tol.relative * Math.abs(ref));
}

/**
 * Compares one seed's fingerprint with the reference's. A value present in the reference and
 * missing now (or null where the reference has a number) is a failure, never a pass.
 */
export function compareSeed(seed: string, ref: SeedFingerprint | undefined, now: SeedFingerprint | undefined, tolerance: Reference["tolerance"]): SeedVerdict {
  const base: SeedVerdict = { seed, verdict: "missing", first_divergent_epoch: null, first_divergent_metric: null, differences: [], weights_identical: false };
  if (!ref || !now) {
    return { ...base, first_divergent_metric: { name: ref ? "run (missing now)" : "reference (missing)", reference: null, current: null } };
  }
  const tol = (name: string) => tolerance.metrics[name] ?? tolerance.default;
  const differences: SeedVerdict["differences"] = [];
  let firstEpoch: number | null = null;
  let firstMetric: SeedVerdict["first_divergent_metric"] = null;
  let missing = false;
  const check = (name: string, r: number | null | undefined, c: number | null | undefined, epoch: number | null) => {
    if (r === undefined) return; // not in the reference: nothing to compare against
    if (r === c) return;
    const ok = r !== null && c !== null && c !== undefined && within(r, c, tol(name.replace(/^epoch \d+ /, "")));
    if (c === undefined || (c === null && r !== null)) missing = true;
    differences.push({ name, reference: r, current: c ?? null, within_tolerance: ok });
    if (!ok && firstMetric === null) {
      firstMetric = { name, reference: r, current: c ?? null };
      firstEpoch = epoch;
    }
  };
  const epochs = Math.max(ref.history.length, now.history.length);
  for (let e = 0; e < epochs; e++) {
    const r = ref.history[e];
    const c = now.history[e];
    if (!r) {
      differences.push({ name: `epoch ${e + 1}`, reference: null, current: null, within_tolerance: false });
      firstMetric ??= { name: `epoch ${e + 1} (not in the reference)`, reference: null, current: null };
      firstEpoch ??= e + 1;
      continue;
    }
    for (const name of Object.keys(r)) check(`epoch ${e + 1} ${name}`, r[name], c ? c[name] : undefined, e + 1);
  }
  check("best_epoch", ref.best_epoch, now.best_epoch, null);
  for (const name of Object.keys(ref.metrics)) check(name, ref.metrics[name], now.metrics[name], null);
  const weightsIdentical = ref.weights_sha256 === now.weights_sha256;
  let verdict: Verdict;
  if (missing) verdict = "missing";
  else if (firstMetric !== null) verdict = "drift";
  else if (weightsIdentical && differences.length === 0) verdict = "identical";
  else verdict = "within tolerance";
  return { seed, verdict, first_divergent_epoch: firstEpoch, first_divergent_metric: firstMetric, differences, weights_identical: weightsIdentical };
}

/** Environment keys whose values differ between the reference and now. */
export function environmentDiff(ref: Record<string, unknown>, now: Record<string, unknown>): { key: string; reference: unknown; current: unknown }[] {
  const keys = [...new Set([...Object.keys(ref), ...Object.keys(now)])].sort();
  return keys.filter((k) => JSON.stringify(ref[k]) !== JSON.stringify(now[k])).map((k) => ({ key: k, reference: ref[k] ?? null, current: now[k] ?? null }));
}
