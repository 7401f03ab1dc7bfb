import { expect } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, extname, join } from "node:path";

/** Expected report outputs, committed. */
export const SNAPSHOT_DIR = join(import.meta.dir, "..", "..", "output", "report");

/**
 * Compares `actual` with `tests/output/report/<name>`. On a difference (or a missing expected
 * file) the actual output is written beside it as `<stem>-changed<ext>` and the test fails; copy
 * it over the expected file once the change is reviewed. `UPDATE_SNAPSHOTS=1` writes the expected
 * file directly. A stale `-changed` file is removed when the output matches again.
 */
export function expectSnapshot(name: string, actual: string): void {
  const expectedPath = join(SNAPSHOT_DIR, name);
  const ext = extname(name);
  const changedPath = join(SNAPSHOT_DIR, `${basename(name, ext)}-changed${ext}`);
  if (process.env.UPDATE_SNAPSHOTS === "1") {
    mkdirSync(SNAPSHOT_DIR, { recursive: true });
    writeFileSync(expectedPath, actual);
    rmSync(changedPath, { force: true });
    return;
  }
  const expected = existsSync(expectedPath) ? readFileSync(expectedPath, "utf8") : null;
  if (expected === actual) {
    rmSync(changedPath, { force: true });
    return;
  }
  mkdirSync(SNAPSHOT_DIR, { recursive: true });
  writeFileSync(changedPath, actual);
  const why = expected === null ? `no expected output ${expectedPath}` : `output differs from ${expectedPath}`;
  expect(`${why}; actual written to ${changedPath}`).toBe(`${name} matches its snapshot`);
}
