// native/build.mjs's exit status (issue 13 item 8): on a developer's machine a missing addon is one
// line and exit 0 (so `npm ci` works without g++); in CI (MAMMO_CI=1) it is exit 1. The skip switch
// stands in for a failed build here: it takes the same path without touching native/build.
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("../../../native/build.mjs", import.meta.url));

function build(env: Record<string, string>) {
  const { MAMMO_CI: _ci, MAMMO_NATIVE_SANITIZE: _sanitize, ...rest } = process.env;
  return spawnSync("node", [script], { encoding: "utf8", env: { ...rest, ...env }, timeout: 60_000 });
}

describe("native/build.mjs without an addon", () => {
  test("on a developer's machine: exit 0 and one line naming the reason", () => {
    const run = build({ MAMMO_NATIVE_SKIP: "1" });
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe("mammo native backend unavailable (MAMMO_NATIVE_SKIP=1); --backend auto will use wasm");
  });

  test("in CI (MAMMO_CI=1): exit 1, saying why on stderr", () => {
    const run = build({ MAMMO_NATIVE_SKIP: "1", MAMMO_CI: "1" });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe("mammo native backend failed (MAMMO_NATIVE_SKIP=1); MAMMO_CI=1: a missing addon fails CI");
  });
});
