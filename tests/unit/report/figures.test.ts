import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Plot } from "../../../reports/figures/plot.ts";
import { cvFigure, hpoTrialsFigure, seedsFigure } from "../../../reports/build/cross-run.ts";
import { runFigures } from "../../../reports/build/per-run.ts";
import { pngSize } from "../../../reports/figures/gradcam.ts";
import { figureRoot, placePlot, serializeFigure, svgDocument } from "../../../reports/figures/svg.ts";
import { readAggregate } from "../../../reports/inputs/aggregate.ts";
import { readCvSummary } from "../../../reports/inputs/cv.ts";
import { readHpoStudy } from "../../../reports/inputs/hpo.ts";
import { readRun } from "../../../reports/inputs/run.ts";
import { svgToPng, withXmlns } from "../../../reports/render/index.ts";
import { PUBLISHED_RUNS, writeAggregate, writeCvDir, writeHpoDir, writeRunDir, type RunSpec } from "./fixtures.ts";
import { expectSnapshot } from "./snapshot.ts";

const root = mkdtempSync(join(tmpdir(), "report-figures-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const spec42 = PUBLISHED_RUNS[0] as RunSpec;
const run42 = readRun(writeRunDir(join(root, "results_4"), spec42));
const figs = runFigures(run42, 4);
const aggregate = readAggregate(writeAggregate(join(root, "aggregate.json"), PUBLISHED_RUNS.map((spec) => ({ dir: join(root, spec.name), spec })), { sigma: "population" }));

describe("per-run figures (seed 42)", () => {
  test("trainFigure draws losses and metrics per epoch and marks best epoch 7", () => {
    const svg = figs.train?.svg ?? "";
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain(">Seed 42 (results_4): training curves</text>");
    expect(svg).toContain(">best epoch 7 (by kappa_quadratic)</text>");
    expectSnapshot("density_train_seed42.svg", svg);
  });
  test("confusionFigure shows counts, row percentages and per-class support", () => {
    const svg = figs.confusion?.svg ?? "";
    // Row C of seed 42: 0, 22, 146, 26 of 194 cases → 0%, 11%, 75%, 13%.
    for (const text of [">146<", ">22<", ">75%<", ">11%<", ">C (n=194)<", ">A (n=11)<"]) expect(svg).toContain(text);
    expectSnapshot("density_confusion_seed42.svg", svg);
  });
  test("gradcamFigure embeds the first --gradcam-limit overlays as data: URIs with pred/true captions", () => {
    const svg = figs.gradcam?.svg ?? "";
    expect(svg.match(/<image /g)?.length).toBe(4);
    expect(svg.match(/href="data:image\/png;base64,/g)?.length).toBe(4);
    expect(svg).toContain("#1: predicted B, true C ");
    expect(svg).not.toContain("#4:");
    expectSnapshot("density_gradcam_seed42.svg", svg);
  });
  test("runFigures(run, 0) makes no Grad-CAM collage", () => {
    expect(runFigures(run42, 0).gradcam).toBeNull();
  });
});

describe("cross-run figures", () => {
  test("seedsFigure shows each seed and the aggregate's mean ± σ and t-interval", () => {
    const fig = seedsFigure(aggregate, "aggregate.json");
    const svg = fig?.svg ?? "";
    expect(svg).toContain(">0.696 ± 0.026</text>");
    expect(svg).toContain(">mean ± σ (population)</text>");
    expect(svg.match(/>43</g)?.length).toBe(5); // seed 43's label on each of the five metric rows
    expectSnapshot("density_seeds_metrics.svg", svg);
  });
  test("cvFigure shows the three folds and the published 0.659 ± 0.024", () => {
    const svg = cvFigure(readCvSummary(writeCvDir(join(root, "cv"))))?.svg ?? "";
    expect(svg).toContain(">0.659 ± 0.024</text>");
    expect(svg.match(/>fold 3</g)?.length).toBe(5);
    expectSnapshot("density_cv_folds.svg", svg);
  });
  test("hpoTrialsFigure counts the failed trial and draws the best-so-far line", () => {
    const fig = hpoTrialsFigure(readHpoStudy(writeHpoDir(join(root, "hpo"))));
    expect(fig.svg).toContain(">failed or pruned (1)</text>");
    expect(fig.note).toBe("6 trials (1 without a value: failed or pruned); the best objective, 0.700, came from trial 4. The 1 trial after it did not improve on it.");
    expectSnapshot("density_hpo_trials.svg", fig.svg);
  });
});

describe("serializeFigure", () => {
  const clipped = () => {
    const root = figureRoot(300, 200, "t");
    root.append(placePlot(Plot.plot({ document: svgDocument(), width: 300, height: 150, clip: true, marks: [Plot.dot([1, 2, 3], { x: (d: number) => d, y: (d: number) => d })] }), 0, 30));
    return serializeFigure(root, "fig");
  };
  test("serializeFigure renumbers Plot's process-wide clip ids per figure, so a redraw is identical", () => {
    const first = clipped();
    const second = clipped();
    expect(second).toBe(first);
    expect(first).toContain('id="fig-clip-1"');
    expect(first).toContain("url(#fig-clip-1)");
    expect(first).not.toContain("plot-clip-");
  });
});

describe("reports/figures/plot.ts", () => {
  test("Plot draws without its half-pixel shift under bun test, as in the CLI (it depended on Bun's transpiler cache)", () => {
    const svg = Plot.dot([1, 2, 3], { x: (d: number) => d, y: (d: number) => d }).plot({ document: svgDocument() }).outerHTML;
    expect(svg).toContain("<circle");
    expect(svg).not.toContain("translate(0.5");
  });
  test("every module that draws with Plot imports it from reports/figures/plot.ts", () => {
    const offenders = [...new Bun.Glob("{reports,lib,tasks,tests,bench}/**/*.ts").scanSync(".")].filter(
      (f) => !f.endsWith("reports/figures/plot.ts") && /from "@observablehq\/plot"|require\("@observablehq\/plot"\)/.test(readFileSync(f, "utf8")),
    );
    expect(offenders).toEqual([]);
  });
});

describe("svgToPng", () => {
  const text = '<svg width="120" height="40" viewBox="0 0 120 40"><text x="4" y="28" font-size="20">Hello</text></svg>';
  test("svgToPng draws text with the bundled DejaVu Sans (a text SVG differs from an empty one)", () => {
    const empty = svgToPng('<svg width="120" height="40" viewBox="0 0 120 40"></svg>');
    expect(Buffer.from(svgToPng(text)).equals(Buffer.from(empty))).toBe(false);
  });
  test("svgToPng is byte-identical from one call to the next and scales by the zoom", () => {
    const a = svgToPng(text);
    expect(Buffer.from(svgToPng(text)).equals(Buffer.from(a))).toBe(true);
    expect(pngSize(a, "a.png")).toEqual({ width: 240, height: 80 });
    expect(pngSize(svgToPng(text, { zoom: 1 }), "b.png")).toEqual({ width: 120, height: 40 });
  });
  test("withXmlns adds the SVG namespace once", () => {
    expect(withXmlns("<svg width=\"1\"></svg>")).toBe('<svg xmlns="http://www.w3.org/2000/svg" width="1"></svg>');
    expect(withXmlns('<svg xmlns="http://www.w3.org/2000/svg"></svg>')).toBe('<svg xmlns="http://www.w3.org/2000/svg"></svg>');
  });
  test("pngSize names a file that is not a PNG", () => {
    const file = join(root, "fake.png");
    writeFileSync(file, "GIF89a");
    expect(() => pngSize(new Uint8Array(Buffer.from("GIF89a")), file)).toThrow(`not a PNG file: ${file}`);
  });
});
