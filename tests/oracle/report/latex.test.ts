import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTask } from "../../../lib/task/index.ts";
import { Resvg } from "@resvg/resvg-js";
import { fontFiles, FONT_FAMILY, svgSize, svgToPdf, withXmlns } from "../../../reports/render/index.ts";
import { PUBLISHED_RUNS, writeAggregate, writeCvDir, writeHpoDir, writeRunDir, type RunSpec } from "../../unit/report/fixtures.ts";

/** A run directory whose name holds every character LaTeX treats specially. */
const ODD_NAME = "results_#4&50%~^{x}$\\<y>";
/** A run directory named with characters pdflatex can set (é, ½) and ones it cannot (∑, an emoji). */
const UNICODE_NAME = "résumé_½_∑_🚀";

let root: string;

/** pdflatex on `main.tex` in `dir`, stopping at the first error; returns its status and log. */
function pdflatex(dir: string): { status: number | null; log: string; stdout: string } {
  const r = spawnSync("pdflatex", ["-interaction=nonstopmode", "-halt-on-error", "main.tex"], { cwd: dir, encoding: "utf8", timeout: 120_000 });
  if (r.error) throw new Error(`pdflatex could not run (apt-get install texlive-latex-base texlive-latex-recommended lmodern): ${r.error.message}`);
  let log = "";
  try {
    log = readFileSync(join(dir, "main.log"), "utf8");
  } catch {}
  return { status: r.status, log, stdout: r.stdout };
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "report-latex-"));
  const specs = PUBLISHED_RUNS.map((s, i) => (i === 0 ? { ...s, name: ODD_NAME } : i === 1 ? { ...s, name: UNICODE_NAME } : s)) as RunSpec[];
  const runs = specs.map((spec) => ({ dir: writeRunDir(join(root, "outputs", spec.name), spec), spec }));
  const aggregate = writeAggregate(join(root, "outputs", "aggregate.json"), runs, { compare: true });
  await runTask(
    "report",
    {
      run: runs.map((r) => r.dir),
      aggregate,
      cv: writeCvDir(join(root, "outputs", "cv")),
      hpo: writeHpoDir(join(root, "outputs", "hpo")),
      assetsDir: join(root, "Article", "assets"),
      tex: join(root, "Article", "sections", "density_model.tex"),
    },
    { quiet: true },
  );
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("generated LaTeX under pdflatex", () => {
  test("pdflatex stops on an error in the wrapper (the check can fail)", () => {
    const dir = mkdtempSync(join(root, "broken-"));
    writeFileSync(join(dir, "main.tex"), "\\documentclass{article}\n\\begin{document}\nresults_4 & 50%\n\\end{document}\n");
    expect(pdflatex(dir).status).not.toBe(0);
  });

  test("the section compiles beside a plain main.tex with no path edits, to at most 5 pages", () => {
    // A main.tex in the section's own folder, as an author would drop it in: paths must work as written.
    const sections = join(root, "Article", "sections");
    writeFileSync(join(sections, "main.tex"), "\\documentclass{article}\n\\usepackage{booktabs,graphicx}\n\\begin{document}\n\\input{density_model.tex}\n\\end{document}\n");
    const r = pdflatex(sections);
    const errors = r.log.split("\n").filter((line) => line.startsWith("!"));
    expect(errors).toEqual([]);
    expect(r.status).toBe(0);
    expect(r.log).toContain("Output written on main.pdf");
    // Every figure and table was read, as vector PDFs.
    expect(r.log).toContain("../assets/density_metrics_table.tex");
    expect(r.log).toContain("../assets/density_gradcam_seed44.pdf");
    expect(r.log).not.toContain(".png");
    expect(r.log).not.toContain("Overfull \\hbox");
    const info = spawnSync("pdfinfo", [join(sections, "main.pdf")], { encoding: "utf8" });
    if (info.error) throw new Error(`pdfinfo could not run (apt-get install poppler-utils): ${info.error.message}`);
    const pages = Number(/^Pages:\s+(\d+)/m.exec(info.stdout)?.[1]);
    expect(pages).toBeGreaterThan(0);
    // 4 pages before the interval table (issue 14) added a float.
    expect(pages).toBeLessThanOrEqual(5);
  }, 120_000);

  test("the same section compiles from the folder above, as the reference pipeline's Article/main.tex inputs sections/density_model", () => {
    const article = join(root, "Article");
    writeFileSync(join(article, "main.tex"), "\\documentclass{article}\n\\usepackage{booktabs,graphicx}\n\\begin{document}\n\\input{sections/density_model}\n\\end{document}\n");
    const r = pdflatex(article);
    expect(r.log.split("\n").filter((line) => line.startsWith("!"))).toEqual([]);
    expect(r.status).toBe(0);
    expect(r.log).toContain("sections/../assets/density_metrics_table.tex");
    expect(r.log).toContain("sections/../assets/density_gradcam_seed44.pdf");
  }, 120_000);

  test("pdftotext of the compiled PDF shows the escaped run names and the published mean ± σ", () => {
    const r = spawnSync("pdftotext", ["-layout", join(root, "Article", "sections", "main.pdf"), "-"], { encoding: "utf8" });
    if (r.error) throw new Error(`pdftotext could not run (apt-get install poppler-utils): ${r.error.message}`);
    expect(r.stdout).toContain("0.696 ± 0.026");
    // Every special character of the run's name is printed as itself (OT1 draws _ as a rule, which
    // pdftotext reads as a space; ~ and ^ come out as their accent glyphs).
    expect(r.stdout).toContain("42 (results #4&50%˜ˆ{x}$\\<y>)");
    // é and ½ set as themselves; ∑ and the emoji, which pdflatex has no glyph for, as code points.
    expect(r.stdout.normalize("NFC")).toMatch(/43 \(r(é|´e)sum(é|´e) ½ \[U\+2211\] \[U\+1F680\]\)/);
    expect(r.stdout).toContain("& wd 0.01 #2");
  });
});

describe("PDF figures", () => {
  const assets = () => join(root, "Article", "assets");
  test("every density_*.pdf embeds its fonts (pdffonts: DejaVu Sans, embedded, subset)", () => {
    for (const name of ["density_seeds_metrics", "density_confusion_seed44", "density_train_seeds"]) {
      const r = spawnSync("pdffonts", [join(assets(), `${name}.pdf`)], { encoding: "utf8" });
      if (r.error) throw new Error(`pdffonts could not run (apt-get install poppler-utils): ${r.error.message}`);
      const fonts = r.stdout.split("\n").slice(2).filter((l) => l.trim() !== "");
      expect(fonts.length).toBeGreaterThan(0);
      for (const line of fonts) {
        expect(line).toMatch(/^[A-Z]{6}\+DejaVuSans/);
        // Columns emb, sub, uni: all "yes".
        expect(line).toMatch(/\s+yes\s+yes\s+yes\s+\d+\s+\d+\s*$/);
      }
    }
  });

  test("svgToPdf gives the same bytes for the same figure (twice in one process, and as the report wrote it)", () => {
    const svg = readFileSync(join(assets(), "density_confusion_seed44.svg"), "utf8");
    const a = svgToPdf(svg);
    expect(Buffer.from(svgToPdf(svg)).equals(Buffer.from(a))).toBe(true);
    expect(readFileSync(join(assets(), "density_confusion_seed44.pdf")).equals(Buffer.from(a))).toBe(true);
  });

  test("pdftoppm's rendering of each PDF matches resvg's PNG of the same SVG (mean difference < 1 %)", () => {
    const names = ["density_seeds_metrics", "density_confusion_seed42", "density_train_seed43", "density_gradcam_seed44", "density_cv_folds", "density_hpo_trials"];
    const diffs = names.map((name) => meanDifference(readFileSync(join(assets(), `${name}.svg`), "utf8"), join(assets(), `${name}.pdf`)));
    for (const d of diffs) expect(d).toBeLessThan(0.01);
    // The check can fail: a PDF compared with another figure's PNG differs by far more.
    const other = meanDifference(readFileSync(join(assets(), "density_confusion_seed42.svg"), "utf8"), join(assets(), "density_confusion_seed43.pdf"));
    expect(other).toBeGreaterThan(3 * Math.max(...diffs));
  }, 120_000);
});

/** Mean absolute RGB difference (0..1) between resvg's rendering of `svg` and pdftoppm's of `pdf`, both at 2 px per unit. */
function meanDifference(svg: string, pdf: string): number {
  const { width, height } = svgSize(svg);
  const png = new Resvg(withXmlns(svg), { font: { fontFiles: fontFiles(), loadSystemFonts: false, defaultFontFamily: FONT_FAMILY }, fitTo: { mode: "zoom", value: 2 }, background: "white" }).render();
  const ppm = spawnSync("pdftoppm", ["-r", "144", "-singlefile", pdf], { maxBuffer: 256 << 20 });
  if (ppm.error) throw new Error(`pdftoppm could not run (apt-get install poppler-utils): ${ppm.error.message}`);
  const raster = parsePpm(ppm.stdout);
  expect([raster.width, raster.height]).toEqual([Math.round(width * 2), Math.round(height * 2)]);
  expect([png.width, png.height]).toEqual([raster.width, raster.height]);
  const rgba = png.pixels;
  let total = 0;
  for (let i = 0; i < raster.width * raster.height; i++) {
    for (let c = 0; c < 3; c++) total += Math.abs((rgba[4 * i + c] as number) - (raster.data[3 * i + c] as number));
  }
  return total / (raster.width * raster.height * 3 * 255);
}

/** A binary PPM (P6, 8-bit) as width, height and RGB bytes. */
function parsePpm(bytes: Buffer): { width: number; height: number; data: Buffer } {
  const header = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(bytes.subarray(0, 64).toString("latin1"));
  if (!header) throw new Error("pdftoppm did not write a binary PPM");
  return { width: Number(header[1]), height: Number(header[2]), data: bytes.subarray(header[0].length) };
}
