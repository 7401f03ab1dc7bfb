// Time to render the full report (figures as SVG + PNG, LaTeX tables and section, report.html)
// for 3 seeds + a 3-fold CV, from the hand-made fixture of tests/unit/report/fixtures.ts.
//
//   bun bench/report.ts [repeats=3]
//
// "cold" is what a user waits for: a fresh `bun run task report …` process into an empty assets
// directory (startup, imports, rendering, writing). "warm" splits one in-process render into its
// stages. The target is under 5 s cold.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { writeFileAtomic } from "../lib/artifacts/index.ts";
import { loadSources, makeReport, writeReport } from "../reports/index.ts";
import { buildFixture } from "../tests/unit/report/fixtures.ts";

const [repeats = 3] = process.argv.slice(2).map(Number);
const ROOT = resolve(import.meta.dir, "..");
const root = mkdtempSync(join(tmpdir(), "bench-report-"));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

try {
  const fx = buildFixture(root);
  const cold: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const assets = join(root, `cold-${i}`, "assets");
    const args = ["cli/main.ts", "report", ...fx.runs.flatMap((r) => ["--run", r]), "--aggregate", fx.aggregate, "--cv", fx.cv, "--assets-dir", assets, "--tex", join(root, `cold-${i}`, "sections", "density_model.tex"), "--quiet"];
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8" });
    cold.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`report failed (${r.status}): ${r.stderr}`);
  }

  const t0 = performance.now();
  const sources = loadSources({ runs: fx.runs, aggregate: fx.aggregate, cv: fx.cv, hpo: null }, { warn: () => {} });
  const t1 = performance.now();
  const assetsDir = join(root, "warm", "assets");
  const report = makeReport(sources, { assetsDir, texFile: join(root, "warm", "sections", "density_model.tex"), texRoot: join(root, "warm"), gradcamLimit: 4, reportCommand: "bench" });
  const t2 = performance.now();
  const written = writeReport(report.files, assetsDir, { write: writeFileAtomic });
  const t3 = performance.now();
  const again = writeReport(makeReport(sources, { assetsDir, texFile: join(root, "warm", "sections", "density_model.tex"), texRoot: join(root, "warm"), gradcamLimit: 4, reportCommand: "bench" }).files, assetsDir, { write: writeFileAtomic });
  const t4 = performance.now();

  const ms = (v: number) => `${v.toFixed(0)} ms`;
  console.log(`report for 3 seeds + 3-fold CV: ${report.figures.length} figures, ${report.tables.length} tables, ${report.files.length} files`);
  console.log(`cold (fresh process, empty assets dir), median of ${repeats}: ${ms(median(cold))}  [${cold.map(ms).join(", ")}]  target < 5000 ms`);
  console.log(`warm in-process: read inputs ${ms(t1 - t0)}, figures + PNG + tables + HTML ${ms(t2 - t1)}, write ${written.written.length} files ${ms(t3 - t2)}`);
  console.log(`warm re-render with nothing changed: ${ms(t4 - t3)} (${again.unchanged.length} files unchanged, ${again.written.length} written)`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
