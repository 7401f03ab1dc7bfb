import type { Aggregate } from "../inputs/aggregate.ts";
import { ALL_METRICS } from "../metrics.ts";
import { interpretMetricsTable } from "../notebook/interpret.ts";
import type { Block, NotebookSection } from "../notebook/page.ts";
import { fewRunsSentence, intervalTable, partWords } from "../tables/interval-table.ts";
import { metricsTable } from "../tables/metrics-table.ts";
import type { TableModel } from "../tables/model.ts";

/**
 * What the interval table says in plain words: which metric's bootstrap lost resamples to an
 * undefined value (and how many), which t intervals are clipped, and that a t interval on few
 * runs is wide.
 */
export function interpretIntervals(aggregate: Aggregate): string {
  const resamples = aggregate.bootstrap?.resamples ?? 0;
  const parts: string[] = [];
  const lost = ALL_METRICS.flatMap((m) => {
    const u = aggregate.metrics[m.key]?.boot_undefined;
    return u !== null && u !== undefined && u > 0 ? [{ label: m.label, u }] : [];
  }).sort((a, b) => b.u - a.u);
  for (const { label, u } of lost) parts.push(`${label} was undefined on ${u} of ${resamples} bootstrap resamples; its intervals rest on the other ${resamples - u}.`);
  if (resamples > 0 && lost.length === 0) parts.push(`Every metric was defined on all ${resamples} bootstrap resamples.`);
  const few = fewRunsSentence(aggregate);
  if (few) parts.push(few);
  return parts.join(" ");
}

/** The interval table of an aggregate, as a table and its notebook block. */
export function intervalBlock(aggregate: { path: string; data: Aggregate }): { table: TableModel; block: Block } {
  const table = intervalTable(aggregate.data);
  return { table, block: { kind: "table", table, note: interpretIntervals(aggregate.data), source: aggregate.path } };
}

/**
 * The held-out test part's section: the per-seed table (`density_test_metrics_table`, the
 * article's headline table) and its intervals (`density_test_intervals_table`), from an
 * aggregate.json made with `--part test`.
 */
export function testSection(test: { path: string; data: Aggregate }): { tables: TableModel[]; section: NotebookSection } {
  const table = metricsTable(test.data);
  const intervals = intervalBlock(test);
  const note = `${interpretMetricsTable(test.data)} These are the ${partWords(test.data).text}: unlike the validation metrics, no choice was made on them.`;
  return {
    tables: [table, intervals.table],
    section: { id: "test", title: "Held-out test part", blocks: [{ kind: "table", table, note, source: test.path }, intervals.block] },
  };
}
