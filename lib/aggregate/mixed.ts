import { canonicalJson } from "../artifacts/index.ts";
import { usageError } from "../errors/index.ts";
import type { Run } from "./read.ts";

/** A setup key (`config.lr`, `backend`, `data_fingerprint`) whose value is not the same in every run. */
export interface Difference {
  key: string;
  /** Each distinct value (as JSON; "missing" when absent) with the runs that have it. */
  values: { value: string; dirs: string[] }[];
}

type Field = "config" | "backend" | "data_fingerprint";

function setupValues(run: Run, fields: readonly Field[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const field of fields) {
    if (field === "config") for (const [k, v] of Object.entries(run.config)) out.set(`config.${k}`, canonicalJson(v));
    else out.set(field, JSON.stringify(field === "backend" ? run.backend : run.dataFingerprint));
  }
  return out;
}

/** The keys among `fields` on which `runs` disagree, sorted by key. */
export function findDifferences(runs: readonly Run[], fields: readonly Field[] = ["config", "data_fingerprint", "backend"]): Difference[] {
  const perRun = runs.map((run) => setupValues(run, fields));
  const keys = [...new Set(perRun.flatMap((m) => [...m.keys()]))].sort();
  const out: Difference[] = [];
  for (const key of keys) {
    const byValue = new Map<string, string[]>();
    perRun.forEach((m, i) => {
      const value = m.get(key) ?? "missing";
      byValue.set(value, [...(byValue.get(value) ?? []), (runs[i] as Run).dir]);
    });
    if (byValue.size > 1) out.push({ key, values: [...byValue].map(([value, dirs]) => ({ value, dirs })) });
  }
  return out;
}

/** `config.lr: 0.0001 (a/results, a/results_1) vs 0.001 (b/results)`, one clause per key. */
export function describeDifferences(differences: readonly Difference[]): string {
  return differences.map((d) => `${d.key}: ${d.values.map((v) => `${v.value} (${v.dirs.join(", ")})`).join(" vs ")}`).join("; ");
}

/**
 * Refuses runs that were not made the same way (differing `fields`), naming each differing key
 * with its values and runs, unless `allowMixed`. Returns the differences (empty when uniform).
 */
export function checkUniform(runs: readonly Run[], what: string, allowMixed: boolean, fields?: readonly Field[]): Difference[] {
  const differences = findDifferences(runs, fields);
  if (differences.length && !allowMixed) {
    throw usageError("mixed_runs", `${what} differ in ${describeDifferences(differences)}; pass --allow-mixed to aggregate them anyway`);
  }
  return differences;
}
