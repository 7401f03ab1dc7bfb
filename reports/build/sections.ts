import { compareTable } from "../tables/compare-table.ts";
import { cvTable } from "../tables/cv-table.ts";
import { metricsTable, runLabel } from "../tables/metrics-table.ts";
import { fixed3, type TableModel } from "../tables/model.ts";
import { interpretCompare, interpretCvTable, interpretMetricsTable } from "../notebook/interpret.ts";
import type { Block, NotebookSection } from "../notebook/page.ts";
import type { RunData } from "../inputs/run.ts";
import { readRunRow, runColumns } from "../../lib/runs/index.ts";
import { compositeFigure } from "../figures/svg.ts";
import { cvFigure, hpoFigures, plural, seedsFigure } from "./cross-run.ts";
import { intervalBlock, testSection } from "./evaluation.ts";
import { runDetails, runFigures, runKey } from "./per-run.ts";
import type { ReportFigure, ReportOptions, ReportSources } from "./types.ts";
import { varianceSection } from "./variance.ts";

/** What one part of the report contributes: notebook sections, figures and tables. */
export interface ReportPart {
  sections: NotebookSection[];
  figures: ReportFigure[];
  tables: TableModel[];
}

const empty = (): ReportPart => ({ sections: [], figures: [], tables: [] });

/** Every parameter name the trials record, sorted. */
const paramNames = (trials: readonly { params: Record<string, unknown> }[]) => [...new Set(trials.flatMap((t) => Object.keys(t.params)))].sort();

export const figureBlock = (f: ReportFigure): Block => ({ kind: "figure", id: f.name, svg: f.svg, caption: f.caption, note: f.note, source: f.source });

/** Variability across seeds: the metrics table, the intervals, the seeds figure and the paired comparison. */
export function seedsPart(aggregate: ReportSources["aggregate"], options: Pick<ReportOptions, "spreadAxis">): ReportPart {
  const part = empty();
  if (!aggregate) return part;
  const blocks: Block[] = [];
  const table = metricsTable(aggregate.data);
  part.tables.push(table);
  blocks.push({ kind: "table", table, note: interpretMetricsTable(aggregate.data), source: aggregate.path });
  // Intervals that respect each metric's range, with the undefined-resample counts (issue 14).
  const intervals = intervalBlock(aggregate);
  part.tables.push(intervals.table);
  blocks.push(intervals.block);
  const seeds = seedsFigure(aggregate.data, aggregate.path, options.spreadAxis);
  if (seeds) {
    part.figures.push(seeds);
    blocks.push(figureBlock(seeds));
  }
  const compare = aggregate.data.compare;
  if (compare) {
    const ct = compareTable(aggregate.data, compare);
    part.tables.push(ct);
    blocks.push({ kind: "table", table: ct, note: interpretCompare(aggregate.data, compare), source: `${aggregate.path} (compare)` });
  }
  part.sections.push({ id: "seeds", title: "Variability across seeds", blocks });
  return part;
}

/** The held-out test part's tables (aggregate.json made with `--part test`). */
export function testPart(testAggregate: ReportSources["testAggregate"]): ReportPart {
  if (!testAggregate) return empty();
  const test = testSection(testAggregate);
  return { sections: [test.section], figures: [], tables: [...test.tables] };
}

/** Cross-validation: the folds figure and table. */
export function cvPart(cv: ReportSources["cv"], options: Pick<ReportOptions, "spreadAxis">): ReportPart {
  const part = empty();
  if (!cv) return part;
  const blocks: Block[] = [];
  const fig = cvFigure(cv.summary, options.spreadAxis);
  if (fig) {
    part.figures.push(fig);
    blocks.push(figureBlock(fig));
  }
  const table = cvTable(cv.summary);
  part.tables.push(table);
  blocks.push({ kind: "table", table, note: interpretCvTable(cv.summary), source: cv.summary.path });
  part.sections.push({ id: "cv", title: "Cross-validation", blocks });
  return part;
}

/** The hyperparameter search: its plots and a grid of the trials. */
export function hpoPart(hpo: ReportSources["hpo"]): ReportPart {
  if (!hpo) return empty();
  const figures = hpoFigures(hpo);
  const names = paramNames(hpo.trials);
  const trials: Block = {
    kind: "grid",
    title: "Trials",
    header: ["Trial", "State", "Objective", ...names, "Read from"],
    rows: hpo.trials.map((t) => [String(t.trialId), t.state, fixed3(t.objective), ...names.map((p) => (t.params[p] === undefined ? "–" : String(t.params[p]))), t.source]),
    note: `Direction: ${hpo.direction}.`,
  };
  return { sections: [{ id: "hpo", title: "Hyperparameter search", blocks: [...figures.map(figureBlock), trials] }], figures, tables: [] };
}

/** A variance study and a seed plan. */
export function variancePart(sources: ReportSources): ReportPart {
  const study = varianceSection({ variance: sources.variance ?? null, plan: sources.plan ?? null });
  return study ? { sections: [study.section], figures: [...study.figures], tables: [...study.tables] } : empty();
}

/** The runs table of `bun run task runs`, sortable by any column. */
export function runsTablePart(runs: readonly RunData[]): ReportPart {
  if (runs.length === 0) return empty();
  const rows = runs.map((r) => readRunRow(r.dir));
  const columns = runColumns(rows);
  const table: Block = {
    kind: "sortable",
    id: "runs_table",
    title: `${plural(rows.length, "run")}`,
    header: columns.map((c) => c.name),
    rows: rows.map((r) =>
      columns.map((c) => {
        const v = c.value(r);
        return typeof v === "boolean" ? String(v) : v;
      }),
    ),
    note: "As `bun run task runs` shows them: the params that differ between the runs and the best-epoch validation metrics. Click a header to sort.",
  };
  return { sections: [{ id: "runs", title: "Runs", blocks: [table] }], figures: [], tables: [] };
}

/** Each run's figures (training curves, confusion matrix, Grad-CAM), by run. */
export type PerRunFigures = { run: RunData; figs: ReturnType<typeof runFigures> }[];

/** One section per run with its figures and details. */
export function perRunPart(perRun: PerRunFigures): ReportPart {
  const part = empty();
  for (const { run, figs } of perRun) {
    const shown = [figs.train, figs.confusion, figs.gradcam].filter((f): f is ReportFigure => f !== null);
    part.figures.push(...shown);
    part.sections.push({ id: `run-${runKey(run)}`, title: `Run: seed ${runLabel(run)}`, blocks: [...shown.map(figureBlock), ...runDetails(run)] });
  }
  return part;
}

export const SEED_KINDS = ["train", "confusion", "gradcam"] as const;

/** One composite per kind with the seeds side by side, as the article shows them. */
export function seedComposites(perRun: PerRunFigures): ReportFigure[] {
  if (perRun.length < 2) return [];
  const composites: ReportFigure[] = [];
  for (const kind of SEED_KINDS) {
    const shown = perRun.filter(({ figs }) => figs[kind] !== null);
    if (shown.length < 2) continue;
    const first = shown[0]?.figs[kind] as ReportFigure;
    const name = `density_${kind}_seeds`;
    composites.push({
      name,
      svg: compositeFigure(shown.map(({ run, figs }, i) => ({ svg: (figs[kind] as ReportFigure).svg, label: `(${String.fromCharCode(97 + i)}) seed ${runLabel(run)}` })), name),
      caption: `${first.caption.replace(/ of seed [^:]*:/, ` of ${plural(shown.length, "run")} side by side ((a) ${shown.map(({ run }) => `seed ${runLabel(run)}`).join(", ")}):`)}`,
      note: "",
      source: shown.map(({ figs }) => (figs[kind] as ReportFigure).source).join(", "),
    });
  }
  return composites;
}
