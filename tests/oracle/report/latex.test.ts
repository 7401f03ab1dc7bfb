import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTask } from "../../../lib/task/index.ts";
import { PUBLISHED_RUNS, writeAggregate, writeCvDir, writeHpoDir, writeRunDir, type RunSpec } from "../../unit/report/fixtures.ts";

/** A run directory whose name holds every character LaTeX treats specially. */
const ODD_NAME = "results_#4&50%~^{x}$\\<y>";

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
  const specs = PUBLISHED_RUNS.map((s, i) => (i === 0 ? { ...s, name: ODD_NAME } : s)) as RunSpec[];
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

  test("the section, tables and figures compile with booktabs and graphicx and no LaTeX error", () => {
    const article = join(root, "Article");
    writeFileSync(join(article, "main.tex"), "\\documentclass{article}\n\\usepackage{booktabs,graphicx}\n\\begin{document}\n\\input{sections/density_model.tex}\n\\end{document}\n");
    const r = pdflatex(article);
    const errors = r.log.split("\n").filter((line) => line.startsWith("!"));
    expect(errors).toEqual([]);
    expect(r.status).toBe(0);
    expect(r.log).toContain("Output written on main.pdf");
    // Every figure and table was found (a missing file is an error above; this checks they were read).
    expect(r.log).toContain("assets/density_metrics_table.tex");
    expect(r.log).toContain("assets/density_gradcam_seed44.png");
    expect(r.log).not.toContain("Overfull \\hbox");
  }, 120_000);

  test("pdftotext of the compiled PDF shows the escaped run name and the published mean ± σ", () => {
    const r = spawnSync("pdftotext", ["-layout", join(root, "Article", "main.pdf"), "-"], { encoding: "utf8" });
    if (r.error) throw new Error(`pdftotext could not run (apt-get install poppler-utils): ${r.error.message}`);
    expect(r.stdout).toContain("0.696 ± 0.026");
    // Every special character of the run's name is printed as itself (OT1 draws _ as a rule, which
    // pdftotext reads as a space; ~ and ^ come out as their accent glyphs).
    expect(r.stdout).toContain("42 (results #4&50%˜ˆ{x}$\\<y>)");
    expect(r.stdout).toContain("& wd 0.01 #2");
  });
});
