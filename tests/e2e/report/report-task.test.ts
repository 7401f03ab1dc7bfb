import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { runTask } from "../../../lib/task/index.ts";
import type { TaskResult } from "../../../lib/task/index.ts";
import { buildFixture, SCRIPT_ACCESSION, type Fixture } from "../../unit/report/fixtures.ts";

const FIGURES = [
  "density_seeds_metrics",
  "density_cv_folds",
  "density_hpo_trials",
  ...[42, 43, 44].flatMap((s) => [`density_train_seed${s}`, `density_confusion_seed${s}`, `density_gradcam_seed${s}`]),
  "density_train_seeds",
  "density_confusion_seeds",
  "density_gradcam_seeds",
];
const TABLES = ["density_metrics_table", "density_intervals_table", "density_compare_table", "density_cv_table"];
/** A full render takes a few seconds on a busy 2-core machine; bun's default is 5 s. */
const RENDER_TIMEOUT = 60_000;

let root: string;
let fx: Fixture;
let first: TaskResult;
const params = () => ({ run: fx.runs, aggregate: fx.aggregate, cv: fx.cv, hpo: fx.hpo, assetsDir: fx.assetsDir, tex: fx.tex });
/** Every output file with its bytes and mtime. */
const snapshot = () =>
  Object.fromEntries([...readdirSync(fx.assetsDir).map((f) => join(fx.assetsDir, f)), fx.tex].map((p) => [p, { bytes: readFileSync(p), mtime: statSync(p).mtimeMs }]));

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "report-task-"));
  fx = buildFixture(root);
  first = await runTask("report", params(), { quiet: true, clock: { now: () => new Date("2026-02-01T00:00:00Z") } });
}, RENDER_TIMEOUT);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("report task", () => {
  test("report writes every figure as SVG, PDF and PNG, the three tables, the section, report.html and its manifest", () => {
    expect(first.path).toBe(join(fx.assetsDir, "report.html"));
    expect(first.figures).toEqual(FIGURES);
    const owned = [...FIGURES.flatMap((f) => [`${f}.svg`, `${f}.pdf`, `${f}.png`]), ...TABLES.map((t) => `${t}.tex`), "report.html"].sort();
    expect(readdirSync(fx.assetsDir).sort()).toEqual([...owned, "report_manifest.json"].sort());
    expect(JSON.parse(readFileSync(join(fx.assetsDir, "report_manifest.json"), "utf8"))).toEqual({ task: "report", files: owned });
    // Paths are relative to the section file's own folder (Article/sections), and name the PDFs.
    const section = readFileSync(fx.tex, "utf8");
    for (const t of TABLES) expect(section).toContain(`\\input{\\densityassets ../assets/${t}.tex}`);
    for (const f of FIGURES.filter((f) => !f.endsWith("_seeds"))) expect(section).toContain(`{\\densityassets ../assets/${f}.pdf}`);
    expect(section).not.toContain(".png}");
  });

  test("report run again (another day) rewrites nothing: same bytes, same mtimes", async () => {
    const before = snapshot();
    const again = await runTask("report", params(), { quiet: true, clock: { now: () => new Date("2031-07-09T12:34:56Z") } });
    expect(again.written).toEqual([]);
    expect(snapshot()).toEqual(before);
  }, RENDER_TIMEOUT);

  test("report after one run's history changed rewrites only that run's curves and report.html", async () => {
    const history = join(fx.runs[2] as string, "train_history.csv");
    const lines = readFileSync(history, "utf8").split("\n");
    lines[1] = (lines[1] as string).replace(/^1,[0-9.]+,/, "1,1.9,");
    writeFileSync(history, lines.join("\n"));
    const result = await runTask("report", params(), { quiet: true });
    expect((result.written as string[]).map((p) => basename(p)).sort()).toEqual([
      "density_train_seed44.pdf", "density_train_seed44.png", "density_train_seed44.svg",
      "density_train_seeds.pdf", "density_train_seeds.png", "density_train_seeds.svg", "report.html",
    ]);
  }, RENDER_TIMEOUT);

  test("report.html has the runs table, sortable, with the one script pinned by its hash in the CSP", () => {
    const html = readFileSync(join(fx.assetsDir, "report.html"), "utf8");
    expect(html).toContain('<table class="sortable" id="runs_table"><thead><tr><th title="sort">run</th><th title="sort">seed</th>');
    expect(html).toContain('<tr><td>results_5</td><td data-v="43">43</td>');
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? "";
    const hash = new Bun.CryptoHasher("sha256").update(script).digest("base64");
    expect(html).toContain(`script-src 'sha256-${hash}'`);
    expect(html.match(/<script/g)?.length).toBe(1);
  });

  test("report.html is self-contained: inline SVG per figure, no script but the hash-pinned sorter, no external reference", () => {
    const html = readFileSync(join(fx.assetsDir, "report.html"), "utf8");
    // The composites (seeds side by side) are files for the article; the page shows each run's figures.
    for (const f of FIGURES.filter((f) => !f.endsWith("_seeds"))) expect(html).toContain(`<figure id="${f}"><svg xmlns="http://www.w3.org/2000/svg"`);
    expect(html.replace(/<script>[\s\S]*?<\/script>/, "")).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<script[^>]*src=/i);
    expect(html).not.toMatch(/(src|href)="(?!data:)/);
    expect(html).not.toMatch(/url\((?!#)/);
    expect(html).toContain("Content-Security-Policy");
  });

  test("report.html escapes CSV values: a <script> accession arrives as text", () => {
    const html = readFileSync(join(fx.assetsDir, "report.html"), "utf8");
    expect(SCRIPT_ACCESSION).toBe("<script>alert('x')</script>");
    expect(html).toContain("<td>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</td>");
  });

  test("report.html opens with provenance: commit, data fingerprint, seeds, backend and the rebuild commands", () => {
    const html = readFileSync(join(fx.assetsDir, "report.html"), "utf8");
    const provenance = html.indexOf('<section id="provenance">');
    expect(provenance).toBeGreaterThan(0);
    expect(provenance).toBeLessThan(html.indexOf("<figure"));
    expect(html).toContain("<th>Git commit (runs)</th><td>0123456789abcdef0123456789abcdef01234567</td>");
    expect(html).toContain("<th>Seeds</th><td>42, 43, 44</td>");
    expect(html).toContain("<th>Backend</th><td>cpu</td>");
    expect(html).toContain("bun run task train --csv classificacao.csv --dicom-root archive --epochs 10 --seed 43");
    expect(html).toContain(`bun run task report --run ${fx.runs[0]} --run ${fx.runs[1]}`);
    // The only time shown is the aggregate's own createdAt (an input), not the report's clock.
    expect(html).toContain("created 2026-01-15T10:00:00.000Z");
    expect(html).not.toContain("2026-02-01");
  });

  test("report.html interprets the numbers: the most variable metric and the comparison's intervals", () => {
    const html = readFileSync(join(fx.assetsDir, "report.html"), "utf8");
    // CV %: accuracy 3.763, κ 3.511, macro-F1 1.814, AUC 1.184, balanced accuracy 2.7.
    expect(html).toContain("Across 3 runs, Accuracy varies most (CV 3.8 %) and AUC (OvR) least (CV 1.2 %).");
    expect(html).toContain("The 95 % interval of A − B excludes 0 for Accuracy (Δ = 0.031, [0.012, 0.050], Holm p = 0.054) and κ (quadratic)");
    expect(html).toContain("it includes 0 for Macro-F1 and AUC (OvR).");
    // Seed 42's matrix: recall C 146/194, A 5/11; D→C is the largest error (35 of 374 − 253 = 121);
    // 117 of the 121 errors are between neighbouring classes.
    expect(html).toContain("Recall is highest for class C (0.753, 194 cases) and lowest for class A (0.455, 11 cases). The most frequent error is true D predicted as C (35 of 121 errors); 97 % of the errors are off by one density class.");
    // t-interval width over 3 folds: 2 × 4.303 × σ / √3 = 0.119 for accuracy (σ 0.024), 0.179 for macro-F1 (σ 0.036).
    expect(html).toContain("With 3 folds the 95 % interval of Accuracy is [0.599, 0.719], 0.119 wide; the widest is Macro-F1&#39;s, 0.179.");
  });

  test("report with nothing to report is a usage error", async () => {
    await expect(runTask("report", { assetsDir: fx.assetsDir }, { quiet: true })).rejects.toThrow("nothing to report: give --run, --aggregate, --cv, --hpo, --variance or --plan");
  });

  test("report without --aggregate runs the aggregate task into <assets-dir>/../aggregate", async () => {
    const assetsDir = join(root, "Solo", "assets");
    const result = await runTask("report", { run: [fx.runs[0]], assetsDir, tex: join(root, "Solo", "sections", "s.tex"), gradcamLimit: 0 }, { quiet: true });
    expect(existsSync(join(root, "Solo", "aggregate", "aggregate.json"))).toBe(true);
    expect(result.figures).toEqual(["density_seeds_metrics", "density_train_seed42", "density_confusion_seed42"]);
    // Paths in the section are relative to its own folder: a main.tex beside it compiles as is.
    expect(readFileSync(join(root, "Solo", "sections", "s.tex"), "utf8")).toContain("\\input{\\densityassets ../assets/density_metrics_table.tex}");
    expect(readFileSync(join(assetsDir, "density_metrics_table.tex"), "utf8")).toContain("    42 (results\\_4) & 0.676 & 0.697 & 0.584 & 0.913 \\\\\n");
  }, RENDER_TIMEOUT);
});

describe("report asset directory", () => {
  const solo = (dir: string, run: string[], extra: Record<string, unknown> = {}) =>
    runTask("report", { run, aggregate: undefined, assetsDir: join(dir, "assets"), tex: join(dir, "sections", "s.tex"), gradcamLimit: 0, ...extra }, { quiet: true });

  test("report removes the files an earlier report wrote and this one does not, and never touches files it did not write", async () => {
    const dir = join(root, "Hygiene");
    await solo(dir, fx.runs.slice(0, 2));
    expect(existsSync(join(dir, "assets", "density_train_seed43.pdf"))).toBe(true);
    writeFileSync(join(dir, "assets", "my_own_figure.pdf"), "mine");
    const result = await solo(dir, fx.runs.slice(0, 1));
    // Seed 43 and the two-seed composites are gone; the user's file stays.
    for (const gone of ["density_train_seed43.pdf", "density_confusion_seed43.svg", "density_train_seeds.png"]) expect(existsSync(join(dir, "assets", gone))).toBe(false);
    expect((result.removed as string[]).map((p) => basename(p))).toContain("density_train_seed43.pdf");
    expect(readFileSync(join(dir, "assets", "my_own_figure.pdf"), "utf8")).toBe("mine");
    expect(JSON.parse(readFileSync(join(dir, "assets", "report_manifest.json"), "utf8")).files).not.toContain("my_own_figure.pdf");
  }, RENDER_TIMEOUT);

  for (const code of ["ENOSPC", "EROFS"]) {
    test(`writeReport with ${code} half way leaves the previous report whole and names the file`, async () => {
      const { loadSources, makeReport, writeReport } = await import("../../../reports/index.ts");
      const { writeFileAtomic } = await import("../../../lib/artifacts/index.ts");
      const dir = join(root, `Full-${code}`);
      const assetsDir = join(dir, "assets");
      const options = (runs: string[]) => makeReport(loadSources({ runs, aggregate: null, cv: null, hpo: null }, { warn: () => {} }), { assetsDir, texFile: join(dir, "s.tex"), texRoot: dir, gradcamLimit: 0, reportCommand: "test" });
      writeReport(options(fx.runs.slice(0, 1)).files, assetsDir, { write: writeFileAtomic });
      const before = Object.fromEntries(readdirSync(assetsDir).map((f) => [f, readFileSync(join(assetsDir, f)).toString("base64")]));
      // The second report (two seeds) fails on its third file: the disk is full / read-only.
      let writes = 0;
      const failing = (path: string, data: Uint8Array) => {
        if (++writes === 3) throw Object.assign(new Error(`${code}: simulated, write`), { code });
        writeFileAtomic(path, data);
      };
      const second = options(fx.runs.slice(0, 2)).files;
      expect(() => writeReport(second, assetsDir, { write: failing })).toThrow(
        new RegExp(`^report: could not write ${assetsDir}/density_\\w+\\.(svg|pdf|png): .*\\(${code}\\); the assets directory still holds the previous report$`),
      );
      expect(() => writeReport(second, assetsDir, { write: (p, d) => { throw Object.assign(new Error("x"), { code }); } })).toThrow(`(${code}); the assets directory still holds the previous report`);
      const after = Object.fromEntries(readdirSync(assetsDir).map((f) => [f, readFileSync(join(assetsDir, f)).toString("base64")]));
      expect(after).toEqual(before);
    }, RENDER_TIMEOUT);
  }
});

describe("report skips runs that did not finish", () => {
  let failed: string;
  let incomplete: string;
  beforeAll(async () => {
    const { markRun } = await import("../../../lib/runs/index.ts");
    const dir = join(root, "Skips");
    failed = join(dir, "outputs", "results_7");
    incomplete = join(dir, "outputs", "results_8");
    mkdirSync(failed, { recursive: true });
    mkdirSync(incomplete, { recursive: true });
    markRun(failed, "failed", new Date("2026-01-01T00:00:00Z"), "CUDA out of memory");
    writeFileSync(join(incomplete, "run.log"), "");
  });
  test("finishedRuns warns once, naming the failed run with its error and the incomplete one", async () => {
    const { finishedRuns } = await import("../../../lib/runs/index.ts");
    const warnings: string[] = [];
    expect(finishedRuns([fx.runs[0] as string, failed, incomplete], { warn: (m) => warnings.push(m) })).toEqual([fx.runs[0] as string]);
    expect(warnings).toEqual([`skipping 2 runs that did not finish: ${failed} (failed: CUDA out of memory), ${incomplete} (incomplete)`]);
  });
  test("report with a failed and an incomplete run among --run reports the finished one", async () => {
    const dir = join(root, "Skips");
    const result = await runTask("report", { run: [fx.runs[0] as string, failed, incomplete], assetsDir: join(dir, "assets"), tex: join(dir, "s.tex"), gradcamLimit: 0 }, { quiet: true });
    expect(result.figures).toEqual(["density_seeds_metrics", "density_train_seed42", "density_confusion_seed42"]);
  }, RENDER_TIMEOUT);
});

describe("interpretMetricsTable", () => {
  test("interpretMetricsTable names tied runs as a tie, not one of them as best", async () => {
    const { interpretMetricsTable } = await import("../../../reports/notebook/interpret.ts");
    const { readAggregate } = await import("../../../reports/inputs/aggregate.ts");
    const agg = readAggregate(fx.aggregate);
    const runs = agg.runs.map((r) => ({ ...r, metrics: { ...r.metrics, accuracy: r.seed === 42 ? 0.7 : 0.733 } }));
    const text = interpretMetricsTable({ ...agg, runs });
    expect(text).toContain("Runs 43 (results_5) and 44 (results_6) tie for the best Accuracy");
    expect(text).not.toContain("Run 44 (results_6) has the best value for Accuracy");
  });
});
