import type { SeedVerdict } from "./compare.ts";

/** One backend's part of a nightly check. */
export interface BackendCheck {
  /** Reference key (`wasm`, `native-avx512`). */
  key: string;
  reference: string;
  passed: boolean;
  verdicts: readonly SeedVerdict[];
  environment: readonly { key: string; reference: unknown; current: unknown }[];
  /** `train.epochs: 5 → 6` — fields of the experiment file changed since the reference was made. */
  experimentChanges: string | null;
}

/** The short Markdown summary of a nightly check (for mail, chat or a CI step summary). */
export function markdownSummary(input: { experiment: string; passed: boolean; checks: readonly BackendCheck[] }): string {
  const lines = [`# Nightly reproducibility check: ${input.passed ? "PASS" : "FAIL"}`, "", `Experiment \`${input.experiment}\`.`];
  for (const check of input.checks) {
    lines.push(
      "",
      `## \`${check.key}\`: ${check.passed ? "PASS" : "FAIL"}`,
      "",
      `Reference \`${check.reference}\`.`,
      "",
      "| seed | verdict | weights | first divergence |",
      "| --- | --- | --- | --- |",
      ...check.verdicts.map((v) => {
        const m = v.first_divergent_metric;
        const where = m ? `${m.name}: ${m.reference ?? "—"} → ${m.current ?? "missing"}${v.first_divergent_epoch ? ` (epoch ${v.first_divergent_epoch})` : ""}` : "—";
        return `| ${v.seed} | ${v.verdict} | ${v.weights_identical ? "identical" : "differ"} | ${where} |`;
      }),
    );
    if (check.experimentChanges) lines.push("", `The experiment file changed since the reference was made: ${check.experimentChanges}.`);
    if (check.environment.length) {
      lines.push("", "Environment differences from the reference:", "");
      for (const d of check.environment) lines.push(`- \`${d.key}\`: ${JSON.stringify(d.reference)} → ${JSON.stringify(d.current)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
