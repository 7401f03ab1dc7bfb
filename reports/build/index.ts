import { basename, join } from "node:path";
import { svgToPdf, svgToPng } from "../render/index.ts";
import { compositeFigure } from "../figures/svg.ts";
import { compareTable } from "../tables/compare-table.ts";
import { cvTable } from "../tables/cv-table.ts";
import { latexEscape } from "../tables/latex-escape.ts";
import { tableToLatex } from "../tables/latex.ts";
import { metricsTable, runLabel } from "../tables/metrics-table.ts";
import { fixed3, type TableModel } from "../tables/model.ts";
import { sectionTex, type SectionFigure } from "../tables/section.ts";
import { interpretCompare, interpretCvTable, interpretMetricsTable } from "../notebook/interpret.ts";
import { renderPage, type Block, type NotebookSection } from "../notebook/page.ts";
import { cvFigure, hpoFigures, plural, seedsFigure } from "./cross-run.ts";
import { runDetails, runFigures, runKey } from "./per-run.ts";
import type { RunData } from "../inputs/run.ts";
import { readRunRow, runColumns } from "../../lib/runs/index.ts";
import { provenanceFacts } from "./provenance.ts";
import { intervalBlock, testSection } from "./evaluation.ts";
import type { ReportFigure, ReportFile, ReportOptions, ReportSources } from "./types.ts";
import { varianceSection } from "./variance.ts";

/** The report's files in memory, and what they were made of. */
export interface Report {
  /** Every output, figures (SVG, PDF, PNG) first, then tables, the section and `report.html`. */
  files: ReportFile[];
  figures: ReportFigure[];
  tables: TableModel[];
}

/** Every parameter name the trials record, sorted. */
const paramNames = (trials: readonly { params: Record<string, unknown> }[]) => [...new Set(trials.flatMap((t) => Object.keys(t.params)))].sort();

const figureBlock = (f: ReportFigure): Block => ({ kind: "figure", id: f.name, svg: f.svg, caption: f.caption, note: f.note, source: f.source });

/**
 * Makes every output of the report from its sources, in memory: deterministic (the same sources
 * and options give the same bytes) and free of side effects, so writing can skip unchanged files.
 */
export function makeReport(sources: ReportSources, options: ReportOptions): Report {
  const { aggregate, cv, hpo } = sources;
  const asset = (file: string) => join(options.assetsDir, file);
  const figures: ReportFigure[] = [];
  const tables: TableModel[] = [];
  const sections: NotebookSection[] = [];

  const crossFigures: ReportFigure[] = [];
  if (aggregate) {
    const blocks: Block[] = [];
    const table = metricsTable(aggregate.data);
    tables.push(table);
    blocks.push({ kind: "table", table, note: interpretMetricsTable(aggregate.data), source: aggregate.path });
    // Intervals that respect each metric's range, with the undefined-resample counts (issue 14).
    const intervals = intervalBlock(aggregate);
    tables.push(intervals.table);
    blocks.push(intervals.block);
    const seeds = seedsFigure(aggregate.data, aggregate.path, options.spreadAxis);
    if (seeds) {
      crossFigures.push(seeds);
      blocks.push(figureBlock(seeds));
    }
    const compare = aggregate.data.compare;
    if (compare) {
      const ct = compareTable(aggregate.data, compare);
      tables.push(ct);
      blocks.push({ kind: "table", table: ct, note: interpretCompare(aggregate.data, compare), source: `${aggregate.path} (compare)` });
    }
    sections.push({ id: "seeds", title: "Variability across seeds", blocks });
  }
  if (sources.testAggregate) {
    const test = testSection(sources.testAggregate);
    tables.push(...test.tables);
    sections.push(test.section);
  }
  if (cv) {
    const blocks: Block[] = [];
    const fig = cvFigure(cv.summary, options.spreadAxis);
    if (fig) {
      crossFigures.push(fig);
      blocks.push(figureBlock(fig));
    }
    const table = cvTable(cv.summary);
    tables.push(table);
    blocks.push({ kind: "table", table, note: interpretCvTable(cv.summary), source: cv.summary.path });
    sections.push({ id: "cv", title: "Cross-validation", blocks });
  }
  const hpoFigs = hpo ? hpoFigures(hpo) : [];
  if (hpo) {
    crossFigures.push(...hpoFigs);
    sections.push({
      id: "hpo",
      title: "Hyperparameter search",
      blocks: [
        ...hpoFigs.map(figureBlock),
        {
          kind: "grid",
          title: "Trials",
          header: ["Trial", "State", "Objective", ...paramNames(hpo.trials), "Read from"],
          rows: hpo.trials.map((t) => [String(t.trialId), t.state, fixed3(t.objective), ...paramNames(hpo.trials).map((p) => (t.params[p] === undefined ? "–" : String(t.params[p]))), t.source]),
          note: `Direction: ${hpo.direction}.`,
        },
      ],
    });
  }
  const study = varianceSection({ variance: sources.variance ?? null, plan: sources.plan ?? null });
  if (study) {
    crossFigures.push(...study.figures);
    tables.push(...study.tables);
    sections.push(study.section);
  }
  figures.push(...crossFigures);

  if (sources.runs.length > 0) {
    // The runs table of `bun run task runs`, sortable by any column.
    const rows = sources.runs.map((r) => readRunRow(r.dir));
    const columns = runColumns(rows);
    sections.push({
      id: "runs",
      title: "Runs",
      blocks: [
        {
          kind: "sortable",
          id: "runs_table",
          title: `${plural(rows.length, "run")}`,
          header: columns.map((c) => c.name),
          rows: rows.map((r) => columns.map((c) => {
            const v = c.value(r);
            return typeof v === "boolean" ? String(v) : v;
          })),
          note: "As `bun run task runs` shows them: the params that differ between the runs and the best-epoch validation metrics. Click a header to sort.",
        },
      ],
    });
  }
  const perRun = sources.runs.map((run) => ({ run, figs: runFigures(run, options.gradcamLimit) }));
  for (const { run, figs } of perRun) {
    const shown = [figs.train, figs.confusion, figs.gradcam].filter((f): f is ReportFigure => f !== null);
    figures.push(...shown);
    sections.push({ id: `run-${runKey(run)}`, title: `Run: seed ${runLabel(run)}`, blocks: [...shown.map(figureBlock), ...runDetails(run)] });
  }

  // One composite per kind with the seeds side by side, as the article shows them.
  const composites: ReportFigure[] = [];
  if (perRun.length > 1) {
    for (const kind of ["train", "confusion", "gradcam"] as const) {
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
  }
  figures.push(...composites);

  const files: ReportFile[] = [];
  for (const f of figures) {
    files.push({ path: asset(`${f.name}.svg`), data: f.svg }, { path: asset(`${f.name}.pdf`), data: svgToPdf(f.svg) }, { path: asset(`${f.name}.png`), data: svgToPng(f.svg) });
  }
  for (const t of tables) files.push({ path: asset(`${t.name}.tex`), data: tableToLatex(t) });

  const single = (f: ReportFigure, width = 0.8): SectionFigure => ({ panels: [{ file: asset(`${f.name}.pdf`), sublabel: "" }], caption: latexEscape(f.caption), label: f.name, width });
  const group = (which: "train" | "confusion" | "gradcam"): SectionFigure[] => {
    const shown = perRun.filter(({ figs }) => figs[which] !== null) as { run: RunData; figs: Record<typeof which, ReportFigure> }[];
    if (shown.length === 0) return [];
    if (shown.length === 1) return [single((shown[0] as (typeof shown)[number]).figs[which], 0.7)];
    const caption = composites.find((c) => c.name === `density_${which}_seeds`)?.caption ?? "";
    return [{ panels: shown.map(({ run, figs }) => ({ file: asset(`${figs[which].name}.pdf`), sublabel: latexEscape(`seed ${runLabel(run)}`) })), caption: latexEscape(caption), label: `density_${which}_seeds`, columns: 3 }];
  };
  const crossSingles = crossFigures.filter((f) => !hpoFigs.includes(f)).map((f) => single(f));
  const hpoGroup: SectionFigure[] =
    hpoFigs.length === 0
      ? []
      : [{
          panels: hpoFigs.map((f) => ({ file: asset(`${f.name}.pdf`), sublabel: latexEscape(f.name.replace("density_hpo_", "").replace("trials", "history")) })),
          caption: latexEscape(`Hyperparameter search. ${hpoFigs.map((f, i) => `(${String.fromCharCode(97 + i)}) ${f.caption}`).join(" ")}`),
          label: "density_hpo",
          columns: 2,
        }];
  files.push({
    path: options.texFile,
    data: sectionTex({
      texRoot: options.texRoot,
      ...(options.texRootDefaulted ? { viaParentAs: basename(options.texRoot) } : {}),
      tables: tables.map((t) => asset(`${t.name}.tex`)),
      figures: [...crossSingles, ...hpoGroup, ...group("confusion"), ...group("train"), ...group("gradcam")],
    }),
  });

  const { facts, commands } = provenanceFacts(sources, options);
  files.push({ path: asset("report.html"), data: renderPage({ title: "Breast-density model: experiment report", provenance: facts, commands, sections }) });
  return { files, figures, tables };
}
