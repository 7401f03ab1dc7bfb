import { usageError } from "../errors/index.ts";
import { differingParams, RUN_METRICS, type RunRow } from "./table.ts";

/** A column of the runs table: its name and the value it shows for a row. */
export interface RunColumn {
  name: string;
  value: (row: RunRow) => string | number | boolean | null;
}

/**
 * The table's columns: run, seed, fold, status, backend, duration, best epoch, the params that
 * differ between the rows (`params.<name>`), then the best-epoch metrics.
 */
export function runColumns(rows: readonly RunRow[]): RunColumn[] {
  const scalar = (v: unknown) => (v === null || v === undefined ? null : typeof v === "object" ? JSON.stringify(v) : (v as string | number | boolean));
  return [
    { name: "run", value: (r) => r.run },
    { name: "seed", value: (r) => r.seed },
    { name: "fold", value: (r) => r.fold },
    { name: "status", value: (r) => r.status },
    { name: "backend", value: (r) => r.backend },
    { name: "duration_s", value: (r) => (r.durationSeconds === null ? null : Math.round(r.durationSeconds * 10) / 10) },
    { name: "best_epoch", value: (r) => r.bestEpoch },
    ...differingParams(rows).map((p) => ({ name: `params.${p}`, value: (r: RunRow) => scalar(r.params[p]) })),
    ...RUN_METRICS.map((m) => ({ name: m, value: (r: RunRow) => r.metrics[m] ?? null })),
  ];
}

/** The value of `name` for a row: a column, a param (`params.lr` or `lr`) or a metric. */
function valueOf(row: RunRow, name: string): string | number | boolean | null {
  const columns: Record<string, unknown> = { run: row.run, dir: row.dir, seed: row.seed, fold: row.fold, status: row.status, backend: row.backend, duration_s: row.durationSeconds, best_epoch: row.bestEpoch };
  if (name in columns) return columns[name] as string | number | null;
  if (name in row.metrics) return row.metrics[name] ?? null;
  const p = name.startsWith("params.") ? name.slice(7) : name;
  if (p in row.params) {
    const v = row.params[p];
    return v === null || v === undefined ? null : typeof v === "object" ? JSON.stringify(v) : (v as string | number | boolean);
  }
  return null;
}

const known = (rows: readonly RunRow[], name: string) =>
  ["run", "dir", "seed", "fold", "status", "backend", "duration_s", "best_epoch", ...RUN_METRICS].includes(name) || rows.some((r) => (name.startsWith("params.") ? name.slice(7) : name) in r.params);

/**
 * Sorts by `spec` (`macro_f1`, `-macro_f1` for descending, `params.lr`): numbers numerically,
 * text in code-point order, missing values last; ties keep the path order.
 */
export function sortRuns(rows: readonly RunRow[], spec: string): RunRow[] {
  const desc = spec.startsWith("-");
  const name = desc ? spec.slice(1) : spec;
  if (!known(rows, name)) throw usageError("bad_sort", `invalid --sort: ${spec} (no such column; columns: ${runColumns(rows).map((c) => c.name).join(", ")})`);
  return rows
    .map((row, i) => ({ row, i, v: valueOf(row, name) }))
    .sort((a, b) => {
      if (a.v === null || b.v === null) return a.v === null && b.v === null ? a.i - b.i : a.v === null ? 1 : -1;
      const c = typeof a.v === "number" && typeof b.v === "number" ? a.v - b.v : String(a.v) < String(b.v) ? -1 : String(a.v) > String(b.v) ? 1 : 0;
      return (desc ? -c : c) || a.i - b.i;
    })
    .map((x) => x.row);
}

const FILTER = /^([A-Za-z0-9_.]+)\s*(==|!=|>=|<=|=|>|<)\s*(.+)$/;

/**
 * Keeps the rows matching every `expr` (`status=finished`, `macro_f1>=0.5`, `params.lr<1e-3`,
 * `seed!=42`): numeric comparison when both sides are numbers, else text equality.
 */
export function filterRuns(rows: readonly RunRow[], exprs: readonly string[]): RunRow[] {
  const tests = exprs.map((expr) => {
    const m = FILTER.exec(expr.trim());
    if (!m) throw usageError("bad_filter", `invalid --filter: ${expr} (expected NAME OP VALUE with OP one of = != < <= > >=, e.g. macro_f1>=0.5)`);
    const [, name, op, raw] = m as unknown as [string, string, string, string];
    if (!known(rows, name) && rows.length > 0) throw usageError("bad_filter", `invalid --filter: ${expr} (no such column: ${name})`);
    return (row: RunRow) => {
      const v = valueOf(row, name);
      const target = Number(raw);
      if (typeof v === "number" && Number.isFinite(target)) {
        return op === "=" || op === "==" ? v === target : op === "!=" ? v !== target : op === ">" ? v > target : op === ">=" ? v >= target : op === "<" ? v < target : v <= target;
      }
      if (op === "=" || op === "==") return String(v) === raw;
      if (op === "!=") return String(v) !== raw;
      return false;
    };
  });
  return rows.filter((r) => tests.every((t) => t(r)));
}

/** Fields that differ between two runs, as `[field, a, b]`, under params, data and environment. */
export function diffRuns(a: RunRow, b: RunRow): { section: "params" | "data" | "environment"; field: string; a: unknown; b: unknown }[] {
  const out: { section: "params" | "data" | "environment"; field: string; a: unknown; b: unknown }[] = [];
  for (const section of ["params", "data", "environment"] as const) {
    const flat = (o: Record<string, unknown>, prefix = ""): Record<string, unknown> =>
      Object.fromEntries(Object.entries(o).flatMap(([k, v]) => (v && typeof v === "object" && !Array.isArray(v) ? Object.entries(flat(v as Record<string, unknown>, `${prefix}${k}.`)) : [[`${prefix}${k}`, v]])));
    const fa = flat(a[section]);
    const fb = flat(b[section]);
    for (const key of [...new Set([...Object.keys(fa), ...Object.keys(fb)])].sort()) {
      if (JSON.stringify(fa[key] ?? null) !== JSON.stringify(fb[key] ?? null)) out.push({ section, field: key, a: fa[key] ?? null, b: fb[key] ?? null });
    }
  }
  return out;
}
