import type { SeedPlan, VarianceArtifact } from "../../lib/variance/index.ts";
import { varianceFigure, type VariancePanel } from "../figures/variance.ts";
import { metricName, TABLE_METRICS } from "../metrics.ts";
import type { Block, NotebookSection } from "../notebook/page.ts";
import { PRIMARY_METRIC, seedPlanTable, varianceTable } from "../tables/variance-table.ts";
import type { TableModel } from "../tables/model.ts";
import type { ReportFigure } from "./types.ts";

/** A variance study and a seed plan as the report reads them. */
export interface VarianceSources {
  variance: { path: string; data: VarianceArtifact } | null;
  plan: { path: string; data: SeedPlan } | null;
}

/** `density_variance_sources`: σ per source with intervals and shares, one panel per headline metric. */
export function varianceSourcesFigure(study: VarianceArtifact, path: string): ReportFigure | null {
  const panels: VariancePanel[] = TABLE_METRICS.flatMap((m) => {
    const d = study.metrics[m.key];
    if (!d) return [];
    const sources = d.components.flatMap((c) => (c.sd === null ? [] : [{ source: c.source, sd: c.sd, low: c.sd_ci_low, high: c.sd_ci_high, share: c.share, negative: c.negative_estimate }]));
    return sources.length ? [{ metric: m.label, sources, evaluationSd: d.evaluation?.sd ?? null }] : [];
  });
  if (!panels.length) return null;
  const level = `${Math.round(100 * study.confidence)} %`;
  const name = "density_variance_sources";
  return {
    name,
    svg: varianceFigure({ name, panels, ciLabel: `${level} CI of σ` }),
    caption: `σ of each validation metric attributable to each source of randomness (${study.design} design, ${study.runs.length} runs on ${study.backend}): estimate (dots; hollow where a negative moment estimate is reported as 0), ${level} confidence interval of σ (whiskers; an arrow where it runs off the axis), share of the total variance (right), and the σ a fixed model shows over bootstrap resamples of the validation set (dashed).`,
    note: interpretStudy(study),
    source: path,
  };
}

/** What the study says, in one or two sentences drawn from its numbers. */
export function interpretStudy(study: VarianceArtifact): string {
  if (study.control) return `${study.control.verdict}.`;
  const d = study.metrics[PRIMARY_METRIC];
  const label = metricName(PRIMARY_METRIC).label;
  if (!d) return "";
  const ranked = d.components.filter((c) => c.sd !== null && c.source !== "residual").sort((a, b) => (b.sd as number) - (a.sd as number));
  const top = ranked[0];
  if (!top) return `${label}: no component could be estimated.`;
  const parts = [`${label}: the largest source is ${top.source} (σ ${(top.sd as number).toFixed(3)}${top.share === null ? "" : `, ${Math.round(100 * top.share)} % of the total`}).`];
  const noise = d.evaluation?.sd ?? null;
  if (noise !== null && noise > 0) {
    const above = ranked.filter((c) => c.ci_low !== null && c.ci_low > noise * noise).map((c) => c.source);
    parts.push(
      above.length
        ? `The interval of ${above.join(", ")} lies above the evaluation noise (σ ${noise.toFixed(3)}): those differences exceed what the validation set alone produces.`
        : `No source's interval lies wholly above the evaluation noise (σ ${noise.toFixed(3)}): seed-to-seed differences of this size are within what the validation set can resolve.`,
    );
  }
  return parts.join(" ");
}

/** The report's variance section: the figure and table of a study, the seed plan's table and sentence. */
export function varianceSection(sources: VarianceSources): { figures: ReportFigure[]; tables: TableModel[]; section: NotebookSection } | null {
  if (!sources.variance && !sources.plan) return null;
  const figures: ReportFigure[] = [];
  const tables: TableModel[] = [];
  const blocks: Block[] = [];
  if (sources.variance) {
    const fig = varianceSourcesFigure(sources.variance.data, sources.variance.path);
    if (fig) {
      figures.push(fig);
      blocks.push({ kind: "figure", id: fig.name, svg: fig.svg, caption: fig.caption, note: fig.note, source: fig.source });
    }
    const table = varianceTable(sources.variance.data);
    tables.push(table);
    blocks.push({ kind: "table", table, note: interpretStudy(sources.variance.data), source: sources.variance.path });
  }
  if (sources.plan) {
    const table = seedPlanTable(sources.plan.data);
    tables.push(table);
    blocks.push({ kind: "table", table, note: sources.plan.data.sentence, source: sources.plan.path });
  }
  return { figures, tables, section: { id: "variance", title: "Where the variance comes from", blocks } };
}
