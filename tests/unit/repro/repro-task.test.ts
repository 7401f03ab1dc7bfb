import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TaskError } from "../../../lib/errors/index.ts";
import { runTask } from "../../../lib/task/index.ts";
import { writeTinyExperiment } from "../pipeline/tiny-experiment.ts";

const dir = mkdtempSync(join(tmpdir(), "repro-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface ReproReport {
  passed: boolean;
  verdicts: { seed: string; verdict: string; first_divergent_epoch: number | null; first_divergent_metric: { name: string } | null }[];
}
const json = <T,>(path: string) => JSON.parse(readFileSync(path, "utf8")) as T;

test("repro passes on an unchanged tree and detects an injected drift (a changed learning rate)", async () => {
  const experiment = writeTinyExperiment(dir, "nightly");
  const common = { experiment, references: join(dir, "references"), outdir: join(dir, "repro") };
  await runTask("repro", { ...common, updateReference: true, reason: "first baseline" }, { quiet: true });
  const reference = json<{ reason: string; backend: string; seeds: Record<string, { weights_sha256: string }> }>(join(dir, "references", "wasm", "nightly.json"));
  expect(reference.reason).toBe("first baseline");
  expect(Object.keys(reference.seeds)).toEqual(["42", "43"]);

  // Unchanged: re-run from scratch, identical.
  await runTask("repro", common, { quiet: true });
  const ok = json<ReproReport>(join(dir, "repro", "repro_report.json"));
  expect(ok.passed).toBe(true);
  expect(ok.verdicts.map((v) => v.verdict)).toEqual(["identical", "identical"]);
  expect(readFileSync(join(dir, "repro", "repro_report.md"), "utf8")).toContain("PASS");

  // Drift: the same experiment name with another learning rate.
  writeTinyExperiment(dir, "nightly", { lr: 5e-3 });
  let error: unknown;
  try {
    await runTask("repro", common, { quiet: true });
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(TaskError);
  expect((error as TaskError).code).toBe("drift");
  const drift = json<ReproReport>(join(dir, "repro", "repro_report.json"));
  expect(drift.passed).toBe(false);
  for (const v of drift.verdicts) {
    expect(v.verdict).toBe("drift");
    expect(v.first_divergent_epoch).toBe(1);
    expect(v.first_divergent_metric?.name).toStartWith("epoch 1 ");
  }
  expect(readFileSync(join(dir, "repro", "repro_report.md"), "utf8")).toContain("FAIL");
});
