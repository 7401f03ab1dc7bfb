import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** What headless Chromium made of a page. */
export interface ChromiumResult {
  /** The DOM after loading (`--dump-dom`). */
  dom: string;
  /** Every console message the page produced (errors, CSP refusals, uncaught exceptions, logs). */
  console: string[];
  status: number | null;
}

/**
 * Opens `file` in headless Chromium with a fresh profile and no background traffic, and returns
 * the loaded DOM and the page's console messages (Chromium logs each as `INFO:CONSOLE` on stderr
 * with `--enable-logging=stderr --v=0`, whatever its level).
 */
export function openInChromium(file: string): ChromiumResult {
  const profile = mkdtempSync(join(tmpdir(), "report-chromium-"));
  try {
    const r = spawnSync(
      "chromium",
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        `--user-data-dir=${profile}`,
        "--enable-logging=stderr",
        "--v=0",
        "--dump-dom",
        `file://${file}`,
      ],
      { encoding: "utf8", timeout: 90_000, maxBuffer: 64 << 20 },
    );
    if (r.error) throw new Error(`chromium could not run (apt-get install chromium): ${r.error.message}`);
    const console = (r.stderr ?? "").split("\n").filter((line) => line.includes(":CONSOLE"));
    return { dom: r.stdout ?? "", console, status: r.status };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}
