import { join } from "node:path";
import { svgToPng } from "../render/index.ts";
import { compareTable } from "../tables/compare-table.ts";
import { cvTable } from "../tables/cv-table.ts";
import { latexEscape } from "../tables/latex-escape.ts";
import { tableToLatex } from "../tables/latex.ts";
import { metricsTable, runLabel } from "../tables/metrics-table.ts";
import { fixed3, type TableModel } from "../tables/model.ts";
import { sectionTex, type SectionFigure } from "../tables/section.ts";
import { interpretCompare, interpretCvTable, interpretMetricsTable } from "../notebook/interpret.ts";
import { renderPage, type Block, type NotebookSection } from "../notebook/page.ts";
import { cvFigure, hpoTrialsFigure, seedsFigure } from "./cross-run.ts";
import { runDetails, runFigures, runKey } from "./per-run.ts";
import { provenanceFacts } from "./provenance.ts";
import type { ReportFigure, ReportFile, ReportOptions, ReportSources } from "./types.ts";

/** The report's files in memory, and what they were made of. */
export interface Report {
  /** Every output, figures (SVG then PNG) first, then tables, the section and `report.html`. */
  files: ReportFile[];
  figures: ReportFigure[];
  tables: TableModel[];
}

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
    const seeds = seedsFigure(aggregate.data, aggregate.path);
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
  if (cv) {
    const blocks: Block[] = [];
    const fig = cvFigure(cv.summary);
    if (fig) {
      crossFigures.push(fig);
      blocks.push(figureBlock(fig));
    }
    const table = cvTable(cv.summary);
    tables.push(table);
    blocks.push({ kind: "table", table, note: interpretCvTable(cv.summary), source: cv.summary.path });
    sections.push({ id: "cv", title: "Cross-validation", blocks });
  }
  if (hpo) {
    const fig = hpoTrialsFigure(hpo);
    crossFigures.push(fig);
    sections.push({
      id: "hpo",
      title: "Hyperparameter search",
      blocks: [
        figureBlock(fig),
        {
          kind: "grid",
          title: "Trials",
          header: ["Trial", "State", "Objective", "Read from"],
          rows: hpo.trials.map((t) => [String(t.trialId), t.state, fixed3(t.objective), t.source]),
          note: `Direction: ${hpo.direction}.`,
        },
      ],
    });
  }
  figures.push(...crossFigures);

  const perRun = sources.runs.map((run) => ({ run, figs: runFigures(run, options.gradcamLimit) }));
  for (const { run, figs } of perRun) {
    const shown = [figs.train, figs.confusion, figs.gradcam].filter((f): f is ReportFigure => f !== null);
    figures.push(...shown);
    sections.push({ id: `run-${runKey(run)}`, title: `Run: seed ${runLabel(run)}`, blocks: [...shown.map(figureBlock), ...runDetails(run)] });
  }

  const files: ReportFile[] = [];
  for (const f of figures) files.push({ path: asset(`${f.name}.svg`), data: f.svg }, { path: asset(`${f.name}.png`), data: svgToPng(f.svg) });
  for (const t of tables) files.push({ path: asset(`${t.name}.tex`), data: tableToLatex(t) });

  const sectionFigure = (f: ReportFigure): SectionFigure => ({ file: asset(`${f.name}.png`), caption: latexEscape(f.caption), label: f.name });
  const pick = (which: "train" | "confusion" | "gradcam") => perRun.flatMap(({ figs }) => (figs[which] ? [sectionFigure(figs[which])] : []));
  files.push({
    path: options.texFile,
    data: sectionTex({
      texRoot: options.texRoot,
      tables: tables.map((t) => asset(`${t.name}.tex`)),
      figureGroups: [crossFigures.map(sectionFigure), pick("confusion"), pick("train"), pick("gradcam")],
    }),
  });

  const { facts, commands } = provenanceFacts(sources, options);
  files.push({ path: asset("report.html"), data: renderPage({ title: "Breast-density model: experiment report", provenance: facts, commands, sections }) });
  return { files, figures, tables };
}
