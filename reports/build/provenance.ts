import { taskCommand } from "../../lib/task/command.ts";
import type { ReportOptions, ReportSources } from "./types.ts";

/** Distinct values with the runs that have each (`abc123 (seeds 42, 43)`), in first-seen order. */
function grouped(values: readonly { value: string; seed: number }[]): string {
  const by = new Map<string, number[]>();
  for (const v of values) by.set(v.value, [...(by.get(v.value) ?? []), v.seed]);
  if (by.size === 1) return [...by.keys()][0] as string;
  return [...by.entries()].map(([v, seeds]) => `${v} (seed${seeds.length > 1 ? "s" : ""} ${seeds.join(", ")})`).join("; ");
}

/**
 * The provenance facts the notebook opens with: where the code, data and numbers came from, and
 * every command needed to rebuild them. Only values read from the inputs (never the clock).
 */
export function provenanceFacts(sources: ReportSources, options: ReportOptions): { facts: [string, string][]; commands: string[] } {
  const { runs, aggregate, cv, hpo } = sources;
  const facts: [string, string][] = [];
  const perRun = (f: (r: (typeof runs)[number]) => string | null | undefined) => runs.flatMap((r) => {
    const value = f(r);
    return value ? [{ value, seed: r.seed }] : [];
  });
  const commits = perRun((r) => (r.summary.reproducibility?.git_commit ? `${r.summary.reproducibility.git_commit}${r.summary.reproducibility.git_dirty ? " (dirty)" : ""}` : null));
  const aggCommit = aggregate?.data.provenance.git_commit;
  facts.push(["Git commit (runs)", commits.length ? grouped(commits) : "not recorded"]);
  if (aggregate) facts.push(["Git commit (aggregate)", typeof aggCommit === "string" ? `${aggCommit}${aggregate.data.provenance.git_dirty === true ? " (dirty)" : ""}` : "not recorded"]);
  const fingerprints = perRun((r) => r.summary.data_fingerprint);
  facts.push(["Data fingerprint", fingerprints.length ? grouped(fingerprints) : "not recorded"]);
  facts.push(["Seeds", runs.length ? runs.map((r) => (r.fold === null ? String(r.seed) : `${r.seed} (fold ${r.fold})`)).join(", ") : "none"]);
  const backends = perRun((r) => r.summary.backend);
  facts.push(["Backend", backends.length ? grouped(backends) : "not recorded"]);
  if (aggregate) {
    const a = aggregate.data;
    const boot = a.bootstrap ? `; bootstrap ${a.bootstrap.resamples} resamples by ${a.bootstrap.unit}, seed ${a.bootstrap.seed}` : "";
    facts.push(["Aggregate", `${aggregate.path} (created ${a.createdAt}; σ ${a.sigma}; ${Math.round(100 * a.confidence)} % intervals${boot})`]);
  }
  if (cv) facts.push(["Cross-validation", cv.summary.path]);
  if (hpo) facts.push(["Hyperparameter search", `${hpo.dir} (${hpo.trials.length} trials, read from ${hpo.readFrom})`]);

  const commands: string[] = [];
  for (const r of runs) {
    const line = r.summary.reproducibility?.command_line;
    if (line && !commands.includes(line)) commands.push(line);
  }
  const cvEnvelope = cv?.summary as { task?: unknown; params?: unknown } | undefined;
  if (cvEnvelope && typeof cvEnvelope.task === "string" && cvEnvelope.params && typeof cvEnvelope.params === "object") {
    commands.push(taskCommand(cvEnvelope.task, cvEnvelope.params as Record<string, unknown>));
  }
  if (aggregate) commands.push(taskCommand("aggregate", aggregate.data.params));
  commands.push(options.reportCommand);
  return { facts, commands };
}
