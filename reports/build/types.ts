import type { Aggregate } from "../inputs/aggregate.ts";
import type { CvSummary } from "../inputs/cv.ts";
import type { HpoStudy } from "../inputs/hpo.ts";
import type { RunData } from "../inputs/run.ts";
import type { VarianceSources } from "./variance.ts";

/** Everything a report is made from, already read and validated. */
export interface ReportSources {
  /** Hold-out runs, one per seed (sorted by seed, then fold). */
  runs: RunData[];
  aggregate: { path: string; data: Aggregate } | null;
  /** aggregate.json made with `--part test`: the held-out test part's table (optional). */
  testAggregate?: { path: string; data: Aggregate } | null;
  cv: { dir: string; summary: CvSummary & { path: string } } | null;
  hpo: HpoStudy | null;
  /** A variance study (variance.json) and a seed plan (plan.json); absent or null when not given. */
  variance?: VarianceSources["variance"];
  plan?: VarianceSources["plan"];
}

/** Where the report goes and how it is drawn. */
export interface ReportOptions {
  /** Figures, tables and `report.html` go here (`Article/assets`). */
  assetsDir: string;
  /** The LaTeX section file (`Article/sections/density_model.tex`). */
  texFile: string;
  /** Directory LaTeX is run from (default: the section file's folder); paths in the section are relative to it. */
  texRoot: string;
  /** True when `texRoot` is the section's own folder by default (not given): the section then also compiles from the folder above. */
  texRootDefaulted?: boolean;
  /** Spread figures: one x axis for every metric (`shared`, default) or one per metric. */
  spreadAxis?: "shared" | "per-metric";
  /** Grad-CAM overlays per run in the collage (0: no collage). */
  gradcamLimit: number;
  /** The command that rebuilds this report, shown in the notebook. */
  reportCommand: string;
}

/** A figure of the report, with what the article and the notebook say about it. */
export interface ReportFigure {
  /** File stem: `density_confusion_seed42`. */
  name: string;
  svg: string;
  /** Caption (plain text; escaped for LaTeX when written). */
  caption: string;
  /** Interpretation generated from the numbers, for the notebook. */
  note: string;
  /** The input file(s) it was drawn from. */
  source: string;
}

/** One output file. */
export interface ReportFile {
  path: string;
  data: string | Uint8Array;
}
