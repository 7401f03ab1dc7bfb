import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readAggregate } from "../../../reports/inputs/aggregate.ts";
import { readCvSummary } from "../../../reports/inputs/cv.ts";
import { compareTable } from "../../../reports/tables/compare-table.ts";
import { cvTable } from "../../../reports/tables/cv-table.ts";
import { tableToLatex } from "../../../reports/tables/latex.ts";
import { metricsTable } from "../../../reports/tables/metrics-table.ts";
import { boldBest, meanSdCell, numberCell, pValueCell, textCell } from "../../../reports/tables/model.ts";
import { sectionTex, texPath } from "../../../reports/tables/section.ts";
import { PUBLISHED_RUNS, writeAggregate, writeCvDir, type RunSpec } from "./fixtures.ts";
import { expectSnapshot } from "./snapshot.ts";

const root = mkdtempSync(join(tmpdir(), "report-tables-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** aggregate.json of the three published runs (run dirs need not exist for the tables). */
function aggregate(name: string, options: Parameters<typeof writeAggregate>[2], runs: readonly RunSpec[] = PUBLISHED_RUNS) {
  const path = writeAggregate(join(root, name, "aggregate.json"), runs.map((spec) => ({ dir: join("outputs", "density", spec.name), spec })), options);
  return readAggregate(path);
}

describe("metricsTable(aggregate)", () => {
  const agg = aggregate("population", { sigma: "population", compare: true });
  const tex = tableToLatex(metricsTable(agg));

  test("metricsTable has the reference header and one row per seed with three decimals", () => {
    expect(tex).toContain("    Seed & Accuracy & $\\kappa_q$ & Macro-F1 & AUC (OvR) \\\\\n");
    expect(tex).toContain("    42 (results\\_4) & 0.676 & 0.697 & 0.584 & 0.913 \\\\\n");
    expect(tex).toContain("    44 (results\\_6) & 0.679 & 0.710 & 0.564 & 0.896 \\\\\n");
  });
  test("metricsTable puts the best value per column in bold (seed 43 leads every column)", () => {
    expect(tex).toContain("    43 (results\\_5) & \\textbf{0.733} & \\textbf{0.756} & \\textbf{0.588} & \\textbf{0.922} \\\\\n");
  });
  test("metricsTable shows the published mean ± population σ and CV % from aggregate.json", () => {
    // Accuracy 0.676, 0.733, 0.679: mean 0.696, population σ 0.0262, CV 3.763 %.
    expect(tex).toContain("Mean $\\pm$ $\\sigma$ (population) & 0.696 $\\pm$ 0.026 & 0.721 $\\pm$ 0.025 &");
    expect(tex).toContain("    CV (\\%) & 3.763 & ");
    expect(tex).toContain("$\\sigma$ is the population standard deviation (divides by $n$)");
    expectSnapshot("density_metrics_table.tex", tex);
  });
  test("metricsTable labels σ as sample when aggregate.json says sigma: sample", () => {
    const sample = tableToLatex(metricsTable(aggregate("sample", { sigma: "sample" })));
    // Sample σ of the accuracies: sqrt(0.002058 / 2) = 0.032.
    expect(sample).toContain("Mean $\\pm$ $\\sigma$ (sample) & 0.696 $\\pm$ 0.032 &");
    expect(sample).toContain("(divides by $n-1$)");
  });
  test("metricsTable escapes the run directory's name", () => {
    const odd = aggregate("odd", {}, [{ ...(PUBLISHED_RUNS[0] as RunSpec), name: "run_50%_a&b#1" }, ...PUBLISHED_RUNS.slice(1)]);
    expect(tableToLatex(metricsTable(odd))).toContain("    42 (run\\_50\\%\\_a\\&b\\#1) & 0.676 &");
  });
});

describe("compareTable(aggregate, compare)", () => {
  const agg = aggregate("compare", { compare: true });
  const tex = tableToLatex(compareTable(agg, agg.compare as NonNullable<typeof agg.compare>));
  test("compareTable prints p < 0.001 as $<$0.001 and negative differences with a minus sign", () => {
    expect(tex).toContain("    $\\kappa_q$ & 0.044 & [0.021, 0.067] & $<$0.001 & 0.250 & 0.009 & 0.002 & 0.990 \\\\\n");
    expect(tex).toContain("    AUC (OvR) & $-$0.004 & [$-$0.015, 0.007] & 0.290 &");
  });
  test("compareTable escapes the configuration names in the caption", () => {
    expect(tex).toContain("B = lr=1e-3 \\& wd\\_0.01 \\#2");
    expectSnapshot("density_compare_table.tex", tex);
  });
});

describe("cvTable(cv_summary)", () => {
  const cv = readCvSummary(writeCvDir(join(root, "cv")));
  const tex = tableToLatex(cvTable(cv));
  test("cvTable shows the published 3-fold mean ± sample σ", () => {
    expect(tex).toContain("Mean $\\pm$ $\\sigma$ (sample) & 0.659 $\\pm$ 0.024 & 0.666 $\\pm$ 0.020 & 0.592 $\\pm$ 0.036 & 0.878 $\\pm$ 0.010 &");
    expect(tex).toContain("    1 (results) & 0.635 & 0.646 & 0.556 & 0.868 & 0.520 \\\\\n");
    expectSnapshot("density_cv_table.tex", tex);
  });
  test("cvTable names missing folds in its caption", () => {
    const text = cvTable({ ...cv, folds: cv.folds.slice(0, 2), missing_folds: [3] }).caption.text;
    expect(text).toContain("3-fold cross-validation");
    expect(text).toContain("Fold 3 did not finish and is not included.");
  });
});

describe("table cells", () => {
  test("boldBest compares the printed values: 0.7004 and 0.6996 both read 0.700 and are both bold", () => {
    const rows = [[textCell("a"), numberCell(0.7004)], [textCell("b"), numberCell(0.6996)], [textCell("c"), numberCell(0.65)]];
    boldBest(rows, [1]);
    expect(rows.map((r) => r[1]?.bold === true)).toEqual([true, true, false]);
  });
  test("numberCell(null) is an en dash in HTML and -- in LaTeX; meanSdCell formats both parts", () => {
    expect(numberCell(null)).toEqual({ text: "–", tex: "--" });
    expect(meanSdCell(0.6955, 0.02619)).toEqual({ text: "0.696 ± 0.026", tex: "0.696 $\\pm$ 0.026" });
    expect(pValueCell(0.0004)).toEqual({ text: "< 0.001", tex: "$<$0.001" });
  });
});

describe("sectionTex", () => {
  test("sectionTex inputs the tables and includes each figure relative to the LaTeX root", () => {
    const tex = sectionTex({
      texRoot: "/a/Article",
      tables: ["/a/Article/assets/density_metrics_table.tex"],
      figureGroups: [[{ file: "/a/Article/assets/density_confusion_seed42.png", caption: "Seed 42 (results\\_4)", label: "density_confusion_seed42" }]],
    });
    expect(tex).toContain("\\input{assets/density_metrics_table.tex}\n");
    expect(tex).toContain("\\includegraphics[width=\\linewidth,height=0.85\\textheight,keepaspectratio]{assets/density_confusion_seed42.png}\n");
    expect(tex).toContain("\\label{fig:density_confusion_seed42}");
  });
  test("sectionTex flushes floats with \\clearpage every 12 floats", () => {
    const figs = Array.from({ length: 20 }, (_, i) => ({ file: `/r/assets/f${i}.png`, caption: "c", label: `f${i}` }));
    const tex = sectionTex({ texRoot: "/r", tables: [], figureGroups: [figs] });
    expect(tex.split("\\clearpage").length - 1).toBe(1);
  });
  test("texPath rejects a path LaTeX cannot take as is, naming it", () => {
    expect(() => texPath("/r", "/r/my assets/f.png")).toThrow("path not usable from LaTeX (only letters, digits, . _ / - allowed): my assets/f.png");
  });
});
