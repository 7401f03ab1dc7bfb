import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTask } from "../../../lib/task/index.ts";
import { buildFixture, type Fixture } from "../../unit/report/fixtures.ts";
import { openInChromium } from "./chromium.ts";

let root: string;
let fx: Fixture;
let figures: string[];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "report-html-"));
  fx = buildFixture(root);
  const result = await runTask("report", { run: fx.runs, aggregate: fx.aggregate, cv: fx.cv, hpo: fx.hpo, assetsDir: fx.assetsDir, tex: fx.tex }, { quiet: true });
  figures = result.figures as string[];
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("report.html in headless Chromium", () => {
  test("openInChromium reports a page's console messages (the check can fail)", () => {
    const bad = join(root, "bad.html");
    writeFileSync(bad, '<!DOCTYPE html><html><body><script>console.error("boom")</script></body></html>');
    const r = openInChromium(bad);
    expect(r.console.some((line) => line.includes('"boom"'))).toBe(true);
  });

  test("report.html loads with no console message and every figure rendered as an inline SVG", () => {
    const r = openInChromium(join(fx.assetsDir, "report.html"));
    expect(r.status).toBe(0);
    expect(r.console).toEqual([]);
    // 12 figures on the page; the three composites (seeds side by side) are files for the article only.
    expect(figures.length).toBe(15);
    for (const name of figures.filter((f) => !f.endsWith("_seeds"))) {
      // The figure element holds an SVG that kept its drawn content (paths or images) after parsing.
      const start = r.dom.indexOf(`<figure id="${name}">`);
      expect(start).toBeGreaterThan(0);
      const figure = r.dom.slice(start, r.dom.indexOf("</figure>", start));
      expect(figure).toMatch(/^<figure id="[^"]+"><svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      expect(figure).toMatch(/<(path|image|circle|rect|line) /);
      expect(figure).toContain("</svg>");
    }
    // The <script> accession from val_predictions.csv is text, not an element.
    expect(r.dom).toContain("&lt;script&gt;alert('x')&lt;/script&gt;");
    expect(r.dom.match(/<script/gi)?.length).toBe(1); // the hash-pinned table sorter only
  }, 120_000);
});
