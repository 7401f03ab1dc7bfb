import { existsSync } from "node:fs";
import { z } from "zod";
import { usageError } from "../lib/errors/index.ts";
import { defineTask } from "../lib/task/index.ts";
import { diffRuns, filterRuns, findRunDirs, readRunRow, runColumns, sortRuns, type RunRow } from "../lib/runs/index.ts";

/** A cell as text: numbers to 4 significant digits (metrics read 0.6955), null as a dash. */
const cellText = (v: string | number | boolean | null) => (v === null ? "–" : typeof v === "number" ? (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)))) : String(v));

/** A CSV field, quoted when it holds a separator, a quote or a line break. */
const csvField = (v: string | number | boolean | null) => {
  const s = v === null ? "" : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/** An aligned plain-text table (numbers right-aligned). */
function textTable(header: string[], rows: (string | number | boolean | null)[][]): string[] {
  const cells = rows.map((r) => r.map(cellText));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? "").length)));
  const numeric = header.map((_, i) => rows.every((r) => r[i] === null || typeof r[i] === "number"));
  const line = (r: string[]) => r.map((c, i) => (numeric[i] ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)];
}

export default defineTask({
  name: "runs",
  description: "Table of the training runs under one or more directories: run, seed, status, backend, duration, the params that differ, best-epoch metrics (like `dvc exp show` / MLflow's runs table)",
  positional: "dirs",
  params: z.object({
    dirs: z.array(z.string()).min(1).describe("directories holding run directories (searched 5 levels down), or run directories themselves"),
    sort: z.string().optional().describe("sort by a column, param or metric; prefix - for descending (e.g. -macro_f1, params.lr, seed)"),
    filter: z.array(z.string()).default([]).describe("keep runs matching NAME OP VALUE, OP one of = != < <= > >= (repeat: all must hold), e.g. macro_f1>=0.5 or status=failed"),
    all: z.boolean().default(false).describe("include failed and incomplete runs (default: skip them with one warning naming them)"),
    json: z.boolean().default(false).describe("print one JSON array of runs (dir, seed, status, metrics, params, …) on stdout"),
    csv: z.boolean().default(false).describe("print the table as CSV on stdout"),
    diff: z.boolean().default(false).describe("compare exactly two runs: the params, data fingerprint and environment that differ"),
  }),
  examples: [
    "bun run task runs outputs/",
    "bun run task runs outputs/mammo_efficientnetb0_density outputs/density_experiments --sort -macro_f1 --filter 'status=finished'",
    "bun run task runs outputs/ --json",
    "bun run task runs outputs/density/results_4 outputs/density/results_5 --diff",
  ],
  async run(params, ctx) {
    if (params.json && params.csv) throw usageError("bad_flags", "give one of --json and --csv, not both");
    for (const dir of params.dirs) {
      if (!existsSync(dir)) throw usageError("missing_dir", `directory not found: ${dir}`);
    }
    let rows: RunRow[] = findRunDirs(params.dirs).map(readRunRow);
    if (params.diff) {
      if (rows.length !== 2) throw usageError("bad_diff", `--diff compares exactly two runs; found ${rows.length} under ${params.dirs.join(", ")}${rows.length ? `: ${rows.map((r) => r.dir).join(", ")}` : ""}`);
      const [a, b] = rows as [RunRow, RunRow];
      const diff = diffRuns(a, b);
      if (params.json) ctx.log.info(JSON.stringify({ a: a.dir, b: b.dir, differences: diff }));
      else if (params.csv) for (const line of [["section", "field", "a", "b"], ...diff.map((d) => [d.section, d.field, JSON.stringify(d.a), JSON.stringify(d.b)])]) ctx.log.info(line.map(csvField).join(","));
      else if (diff.length === 0) ctx.log.info(`${a.dir} and ${b.dir}: same params, data and environment`);
      else for (const line of textTable(["section", "field", a.run === b.run ? a.dir : a.run, a.run === b.run ? b.dir : b.run], diff.map((d) => [d.section, d.field, JSON.stringify(d.a), JSON.stringify(d.b)]))) ctx.log.info(line);
      return { runs: 2, differences: diff.length };
    }
    if (!params.all) {
      const skipped = rows.filter((r) => r.status !== "finished");
      if (skipped.length > 0) ctx.log.warn(`skipping ${skipped.length} run${skipped.length === 1 ? "" : "s"} that did not finish (--all shows them): ${skipped.map((r) => `${r.dir} (${r.status}${r.error ? `: ${r.error}` : ""})`).join(", ")}`);
      rows = rows.filter((r) => r.status === "finished");
    }
    rows = filterRuns(rows, params.filter);
    if (params.sort) rows = sortRuns(rows, params.sort);
    if (params.json) {
      ctx.log.info(JSON.stringify(rows.map((r) => ({ dir: r.dir, run: r.run, seed: r.seed, fold: r.fold, status: r.status, error: r.error, backend: r.backend, duration_s: r.durationSeconds, best_epoch: r.bestEpoch, metrics: r.metrics, params: r.params }))));
      return { runs: rows.length };
    }
    const columns = runColumns(rows);
    const header = columns.map((c) => c.name);
    const values = rows.map((r) => columns.map((c) => c.value(r)));
    if (params.csv) for (const line of [header, ...values]) ctx.log.info(line.map(csvField).join(","));
    else if (rows.length === 0) ctx.log.info(`no runs under ${params.dirs.join(", ")}`);
    else for (const line of textTable(header, values)) ctx.log.info(line);
    return { runs: rows.length };
  },
});
