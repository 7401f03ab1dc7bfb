import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Plot } from "../../../reports/figures/plot.ts";
import { cvFigure, hpoFigures, seedsFigure } from "../../../reports/build/cross-run.ts";
import { layoutLabels, spreadDomain, spreadFigure } from "../../../reports/figures/spread.ts";
import { compositeFigure } from "../../../reports/figures/svg.ts";
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
    // No title inside the figure: the caption says what it shows.
    expect(svg).not.toContain("training curves</text>");
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
    // Seed 43's label on each of the five rows: alone, or shared with a seed whose dot it touches.
    expect(svg.match(/>(43|42, 43|43, 44)</g)?.length).toBe(5);
    // Accuracy 0.676 and 0.679 lie within a dot's width on the shared axis: one label "42, 44".
    expect(svg).toContain(">42, 44<");
    expectSnapshot("density_seeds_metrics.svg", svg);
  });
  test("cvFigure shows the three folds and the published 0.659 ± 0.024", () => {
    const svg = cvFigure(readCvSummary(writeCvDir(join(root, "cv"))))?.svg ?? "";
    expect(svg).toContain(">0.659 ± 0.024</text>");
    expect(svg.match(/>fold 3</g)?.length).toBe(5);
    expectSnapshot("density_cv_folds.svg", svg);
  });
  test("hpoFigures counts the failed trial and draws the best-so-far line", () => {
    const fig = hpoFigures(readHpoStudy(writeHpoDir(join(root, "hpo"))))[0] as NonNullable<ReturnType<typeof hpoFigures>[number]>;
    expect(fig.svg).toContain(">failed or pruned (1)</text>");
    expect(fig.note).toBe("6 trials (1 without a value: failed or pruned); the best objective, 0.700, came from trial 4. The 1 trial after it did not improve on it.");
    expectSnapshot("density_hpo_trials.svg", fig.svg);
  });
});

describe("serializeFigure", () => {
  const clipped = () => {
    const root = figureRoot(300, 200);
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

describe("spread figures", () => {
  const px = (v: number) => v * 10000;
  test("layoutLabels merges tied runs into one label and never lets two labels overlap", () => {
    const labels = layoutLabels(
      [
        { label: "42", value: 0.7 },
        { label: "43", value: 0.7 },
        { label: "44", value: 0.705 },
        { label: "45", value: 0.712 },
        { label: "46", value: 0.7132 },
      ],
      px,
    );
    // 42 and 43 tie exactly: one label, not two on top of each other.
    expect(labels[0]?.text).toBe("42, 43");
    for (const a of labels) {
      for (const b of labels) {
        if (a === b || a.lane !== b.lane) continue;
        expect(Math.abs(a.x - b.x)).toBeGreaterThanOrEqual(a.half + b.half);
      }
    }
    expect(Math.max(...labels.map((l) => l.lane))).toBeGreaterThan(0);
  });
  test("spreadDomain gives a row with σ = 0 a readable axis, not ±0.004", () => {
    expect(spreadDomain([0, 0, 0])).toEqual([-0.025, 0.025]);
    const [a, b] = spreadDomain([0.6, 0.7]);
    expect(a).toBeCloseTo(0.595, 10);
    expect(b).toBeCloseTo(0.705, 10);
  });
  const rows = [
    { metric: "Accuracy", points: [{ label: "42", value: 0.6 }, { label: "43", value: 0.625 }], mean: 0.6125, sd: 0.0125, ciLow: 0.5, ciHigh: 0.72 },
    { metric: "AUC", points: [{ label: "42", value: 0.9 }, { label: "43", value: 0.91 }], mean: 0.905, sd: 0.005, ciLow: 0.86, ciHigh: 0.95 },
  ];
  const ticks = (svg: string) => [...svg.matchAll(/<text[^>]*>(0\.\d+)<\/text>/g)].map((m) => m[1]);
  test("spreadFigure shares one x axis across metric rows by default (drawn once, under the last row)", () => {
    const shared = spreadFigure({ name: "s", rows, pointLabel: "seed", sdLabel: "sd", ciLabel: "ci" });
    const zoomed = spreadFigure({ name: "s", rows, pointLabel: "seed", sdLabel: "sd", ciLabel: "ci", axis: "per-metric" });
    // Shared: one axis spanning both metrics (0.5 … 0.95); per metric: two axes, each zoomed.
    expect(ticks(shared)).toContain("0.9");
    expect(ticks(shared)).toContain("0.5");
    expect(shared.match(/aria-label="x-axis tick label"/g)?.length).toBe(1);
    expect(zoomed.match(/aria-label="x-axis tick label"/g)?.length).toBe(2);
  });
  test("spreadFigure prints σ to two significant digits and the mean to the same place", () => {
    const svg = spreadFigure({ name: "s", rows, pointLabel: "seed", sdLabel: "sd", ciLabel: "ci" });
    expect(svg).toContain(">0.613 ± 0.013</text>");
    expect(svg).toContain(">0.9050 ± 0.0050</text>");
  });
});

describe("compositeFigure", () => {
  test("compositeFigure puts the seeds' figures side by side with a label above each", () => {
    const a = '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50" viewBox="0 0 100 50"><rect id="a-clip-1" width="100" height="50"/></svg>\n';
    const b = '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="80" viewBox="0 0 100 80"><circle r="3"/></svg>\n';
    const svg = compositeFigure([{ svg: a, label: "(a) seed 42" }, { svg: b, label: "(b) seed 43" }], "c");
    expect(svg).toContain('width="224" height="102"');
    expect(svg).toContain('<g transform="translate(124,22)"><circle r="3"/></g>');
    expect(svg).toContain(">(a) seed 42</text>");
    expect(svg.match(/<svg/g)?.length).toBe(1);
  });
});

describe("Grad-CAM figure", () => {
  test("gradcamFigure draws a run's recorded map at the network's resolution in viridis with a colour bar", () => {
    const dir = join(root, "cam", "gradcam");
    const run = readRun(writeRunDir(join(root, "cam"), spec42));
    // A 2×2 map over the first image: one vector cell per feature-map position.
    writeFileSync(join(dir, "gradcam_idx0000_pred2_true2.json"), JSON.stringify({ heatmap: { width: 2, height: 2, values: [0, 0.25, 0.75, 1] }, input_png: "gradcam_idx0001_pred1_true2.png" }));
    const withMap = readRun(join(root, "cam"));
    const fig = runFigures(withMap, 1).gradcam;
    const svg = fig?.svg ?? "";
    expect(svg).toContain(">Grad-CAM (normalised)</text>");
    // A 296-unit tile split into 2×2 cells of 148 units; viridis(0) = #440154, viridis(1) = #fde725.
    expect(svg).toContain('<g fill-opacity="0.5"><rect x="16" y="46" width="148.3" height="148.3" fill="#440154"/>');
    expect(svg).toContain('<rect x="164" y="194" width="148.3" height="148.3" fill="#fde725"/></g>');
    expect(fig?.caption).toContain("at the network's feature-map resolution (viridis");
    expect(runFigures(run, 1).gradcam?.svg).not.toContain("Grad-CAM (normalised)");
  });
});
