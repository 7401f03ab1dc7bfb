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
import { decimalsFor } from "../../../reports/tables/precision.ts";
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
  test("metricsTable marks no seed as best (seeds are draws, not competitors)", () => {
    expect(tex).toContain("    43 (results\\_5) & 0.733 & 0.756 & 0.588 & 0.922 \\\\\n");
    expect(tex).not.toContain("\\textbf");
    expect(tex).not.toContain("in bold");
  });
  test("metricsTable has a t-interval row from aggregate.json, at the precision of its σ", () => {
    // Accuracy: mean 0.6960 ± 4.303 × sample σ 0.03209 / √3 = [0.616, 0.776].
    expect(tex).toContain("    95\\,\\% CI ($t$) & [0.616, 0.776] & ");
  });
  test("metricsTable over one run says 'a single run' and has no CI or CV row", () => {
    const one = metricsTable(aggregate("one", {}, [PUBLISHED_RUNS[0] as RunSpec]));
    expect(one.caption.text).toContain("over a single run (no spread to estimate)");
    expect(one.caption.text).not.toContain("1 runs");
    expect(one.groups[1]?.length).toBe(1);
  });
  test("metricsTable shows the published mean ± population σ and CV % from aggregate.json", () => {
    // Accuracy 0.676, 0.733, 0.679: mean 0.696, population σ 0.0262, CV 3.763 %.
    expect(tex).toContain("Mean $\\pm$ $\\sigma$ (population) & 0.696 $\\pm$ 0.026 & 0.721 $\\pm$ 0.025 &");
    // CV % to one decimal (3.763 → 3.8), not three.
    expect(tex).toContain("    CV (\\%) & 3.8 & 3.5 & 1.8 & 1.2 \\\\\n");
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
  test("sectionTex inputs the tables and includes each figure's PDF relative to the LaTeX root", () => {
    const tex = sectionTex({
      texRoot: "/a/Article/sections",
      tables: ["/a/Article/assets/density_metrics_table.tex"],
      figures: [{ panels: [{ file: "/a/Article/assets/density_seeds_metrics.pdf", sublabel: "" }], caption: "Seeds", label: "density_seeds_metrics" }],
    });
    expect(tex).toContain("\\input{../assets/density_metrics_table.tex}\n");
    expect(tex).toContain("\\begin{figure}[tbp]\n");
    expect(tex).toContain("\\includegraphics[width=0.8\\linewidth,height=0.42\\textheight,keepaspectratio]{../assets/density_seeds_metrics.pdf}\n");
    expect(tex).toContain("\\label{fig:density_seeds_metrics}");
    expect(tex).not.toContain("[htbp]");
  });
  test("sectionTex groups the seeds of one kind in one float, three sub-figures per row", () => {
    const panels = [42, 43, 44, 45].map((s) => ({ file: `/r/assets/density_confusion_seed${s}.pdf`, sublabel: `seed ${s}` }));
    const tex = sectionTex({ texRoot: "/r", tables: [], figures: [{ panels, caption: "c", label: "density_confusion_seeds" }] });
    expect(tex.match(/\\begin\{figure\}/g)?.length).toBe(1);
    expect(tex.match(/\\begin\{minipage\}/g)?.length).toBe(4);
    expect(tex).toContain("{\\footnotesize (d) seed 45}");
    expect(tex.match(/\\par\\medskip/g)?.length).toBe(1);
  });
  test("texPath rejects a path LaTeX cannot take as is, naming it", () => {
    expect(() => texPath("/r", "/r/my assets/f.png")).toThrow("path not usable from LaTeX (only letters, digits, . _ / - allowed): my assets/f.png");
  });
});

describe("precision from the uncertainty", () => {
  test("meanSdCell prints σ to two significant digits and the mean to the same decimal place", () => {
    expect(meanSdCell(0.6955, 0.02619).text).toBe("0.696 ± 0.026");
    expect(meanSdCell(0.71, 0.0012).text).toBe("0.7100 ± 0.0012");
    expect(meanSdCell(0.5, 0.0996).text).toBe("0.50 ± 0.10");
    expect(meanSdCell(0.7, 0).text).toBe("0.700 ± 0.000");
  });
  test("decimalsFor(σ) counts two significant digits", () => {
    expect([0.026, 0.0105, 0.1, 0.35, 2.5, 0].map(decimalsFor)).toEqual([3, 3, 2, 2, 1, 3]);
  });
});
