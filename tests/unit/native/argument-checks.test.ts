// The native addon does not trust its callers (issue 13 item 6): every exported function checks
// its arguments against the shapes it is given and throws a JavaScript error naming itself and
// the shape, never crashing the process. The cases (bad-calls.ts) are run here in-process and in
// a child process (where a crash shows as a signal); under the sanitizer build (.ci/run,
// MAMMO_NATIVE_ADDON + the ASan runtime) the valid calls also prove the kernels stay in bounds.
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ADDON_PATH, loadAddon, type NativeAddon } from "../../../lib/backend/native/addon.ts";
import { describeWith } from "../../support/requirements.ts";
import { CALLS, attempt, type Outcome } from "./bad-calls.ts";

const script = fileURLToPath(new URL("./bad-calls.ts", import.meta.url));

const EXPORTED = ["matmul", "conv2d", "conv2dBackpropInput", "conv2dBackpropFilter", "depthwise", "depthwiseBackpropInput", "depthwiseBackpropFilter",
  "maxPool", "maxPoolGrad", "binary", "unary", "swishGrad", "reduce", "batchNorm", "batchNormStats", "batchNormTrainGrad", "adamw", "threads"];

/** The outcome a call must have: no error when valid, else its exact message. */
function expectOutcome(out: Outcome, error: string | null): void {
  if (error === null) {
    expect(out).toMatchObject({ threw: false });
  } else {
    expect(out.message).toBe(error);
    expect(out.name === "RangeError" || out.name === "TypeError").toBe(true);
  }
}

describe("the bad-call table", () => {
  test("covers every exported kernel with a valid call and at least one wrong one", () => {
    for (const kernel of EXPORTED) {
      const calls = CALLS.filter((c) => c.kernel === kernel);
      expect(calls.filter((c) => c.error === null).length).toBe(1);
      expect(calls.filter((c) => c.error !== null).length).toBeGreaterThan(0);
      for (const c of calls) if (c.error !== null) expect(c.error.startsWith(`native ${kernel}: `)).toBe(true);
    }
  });
});

describeWith(["native addon"])("native kernels refuse wrong arguments with a JavaScript error", () => {
  const addon = (): NativeAddon => loadAddon();
  for (const c of CALLS) {
    test(`${c.kernel}, ${c.what}: ${c.error ?? "runs"}`, () => {
      expectOutcome(attempt(addon(), c), c.error);
    });
  }

  test("a refused call writes nothing: the output keeps its contents", () => {
    const out = Float32Array.from({ length: 8 }, (_, i) => i + 0.5);
    expect(() => addon().batchNorm(new Float32Array(12), new Float32Array(4), new Float32Array(4), null, null, 1e-3, out, 0)).toThrow(RangeError);
    expect(Array.from(out)).toEqual([0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5]);
  });

  test("the valid calls compute: batchNorm of x = 0…11 over 4 channels with mean 1, variance 3 (ε = 0) is (x − 1)/√3", () => {
    const x = Float32Array.from({ length: 12 }, (_, i) => i), out = new Float32Array(12);
    addon().batchNorm(x, Float32Array.of(1), Float32Array.of(3), null, null, 0, out, 4);
    for (let i = 0; i < 12; i++) expect(out[i]).toBeCloseTo((i - 1) / Math.sqrt(3), 6);
  });

  /** Runs `command` (bad-calls.ts as a script) and checks it exits normally with every call's expected outcome. */
  function expectChildOutcomes(command: string[], env: Record<string, string | undefined> = process.env): void {
    const run = spawnSync(command[0]!, command.slice(1), { encoding: "utf8", timeout: 120_000, env });
    expect({ signal: run.signal, status: run.status, stderr: run.status === 0 ? "" : run.stderr }).toEqual({ signal: null, status: 0, stderr: "" });
    const outcomes = run.stdout.trim().split("\n").map((l) => JSON.parse(l) as Outcome);
    expect(outcomes.length).toBe(CALLS.length);
    outcomes.forEach((out, i) => expectOutcome(out, CALLS[i]!.error));
  }

  test("in a child process every call ends as in-process, and the process exits normally (no signal)", () => {
    expectChildOutcomes([process.execPath, script]);
  });

  test("under node too, where typed arrays live in malloc'd memory that the sanitizer build's ASan guards", () => {
    // Bun keeps typed arrays in its own heap, out of ASan's sight; V8 allocates them with malloc.
    const dir = mkdtempSync(join(tmpdir(), "bad-calls-"));
    try {
      const bundle = join(dir, "bad-calls.mjs");
      const build = spawnSync(process.execPath, ["build", "--target=node", script, "--outfile", bundle], { encoding: "utf8" });
      expect(build.stderr).toBe("");
      expectChildOutcomes(["node", bundle], { ...process.env, MAMMO_NATIVE_ADDON: ADDON_PATH });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
