import { basename, join } from "node:path";
import { svgToPdf, svgToPng } from "../render/index.ts";
import { tableToLatex } from "../tables/latex.ts";
import type { TableModel } from "../tables/model.ts";
import { sectionTex } from "../tables/section.ts";
import { renderPage } from "../notebook/page.ts";
import { runFigures } from "./per-run.ts";
import { provenanceFacts } from "./provenance.ts";
import { sectionFigures } from "./latex-figures.ts";
import { cvPart, hpoPart, perRunPart, runsTablePart, seedComposites, seedsPart, testPart, variancePart, type PerRunFigures } from "./sections.ts";
import type { ReportFigure, ReportFile, ReportOptions, ReportSources } from "./types.ts";

/** The report's files in memory, and what they were made of. */
export interface Report {
  /** Every output, figures (SVG, PDF, PNG) first, then tables, the section and `report.html`. */
  files: ReportFile[];
  figures: ReportFigure[];
  tables: TableModel[];
}

/**
 * Makes every output of the report from its sources, in memory: deterministic (the same sources
 * and options give the same bytes) and free of side effects, so writing can skip unchanged files.
 * Read top to bottom: the cross-run parts (seeds, test part, CV, HPO, variance), the runs table,
 * each run's figures and their side-by-side composites; then the files: every figure as SVG, PDF
 * and PNG, the tables, the LaTeX section and `report.html`.
 */
export function makeReport(sources: ReportSources, options: ReportOptions): Report {
  const hpo = hpoPart(sources.hpo);
  const crossRun = [seedsPart(sources.aggregate, options), testPart(sources.testAggregate), cvPart(sources.cv, options), hpo, variancePart(sources)];
  const perRun: PerRunFigures = sources.runs.map((run) => ({ run, figs: runFigures(run, options.gradcamLimit) }));
  const runs = perRunPart(perRun);
  const composites = seedComposites(perRun);
  const parts = [...crossRun, runsTablePart(sources.runs), runs];

  const crossFigures = crossRun.flatMap((p) => p.figures);
  const figures = [...crossFigures, ...runs.figures, ...composites];
  const tables = parts.flatMap((p) => p.tables);
  const sections = parts.flatMap((p) => p.sections);
  const asset = (file: string) => join(options.assetsDir, file);

  const files: ReportFile[] = [];
  for (const f of figures) {
    files.push({ path: asset(`${f.name}.svg`), data: f.svg }, { path: asset(`${f.name}.pdf`), data: svgToPdf(f.svg) }, { path: asset(`${f.name}.png`), data: svgToPng(f.svg) });
  }
  for (const t of tables) files.push({ path: asset(`${t.name}.tex`), data: tableToLatex(t) });
  files.push({
    path: options.texFile,
    data: sectionTex({
      texRoot: options.texRoot,
      ...(options.texRootDefaulted ? { viaParentAs: basename(options.texRoot) } : {}),
      tables: tables.map((t) => asset(`${t.name}.tex`)),
      figures: sectionFigures({ assetsDir: options.assetsDir, crossRun: crossFigures, hpo: hpo.figures, perRun, composites }),
    }),
  });
  const { facts, commands } = provenanceFacts(sources, options);
  files.push({ path: asset("report.html"), data: renderPage({ title: "Breast-density model: experiment report", provenance: facts, commands, sections }) });
  return { files, figures, tables };
}
