import type { SeedVerdict } from "./compare.ts";

/** The short Markdown summary of a nightly check (for mail, chat or a CI step summary). */
export function markdownSummary(input: {
  experiment: string;
  backend: string;
  passed: boolean;
  verdicts: readonly SeedVerdict[];
  environment: readonly { key: string; reference: unknown; current: unknown }[];
  reference: string;
}): string {
  const lines = [
    `# Nightly reproducibility check: ${input.passed ? "PASS" : "FAIL"}`,
    "",
    `Experiment \`${input.experiment}\`, backend \`${input.backend}\`, reference \`${input.reference}\`.`,
    "",
    "| seed | verdict | weights | first divergence |",
    "| --- | --- | --- | --- |",
    ...input.verdicts.map((v) => {
      const m = v.first_divergent_metric;
      const where = m ? `${m.name}: ${m.reference ?? "—"} → ${m.current ?? "missing"}${v.first_divergent_epoch ? ` (epoch ${v.first_divergent_epoch})` : ""}` : "—";
      return `| ${v.seed} | ${v.verdict} | ${v.weights_identical ? "identical" : "differ"} | ${where} |`;
    }),
  ];
  if (input.environment.length) {
    lines.push("", "Environment differences from the reference:", "");
    for (const d of input.environment) lines.push(`- \`${d.key}\`: ${JSON.stringify(d.reference)} → ${JSON.stringify(d.current)}`);
  }
  return `${lines.join("\n")}\n`;
}
