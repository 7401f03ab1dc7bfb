import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CONTRACTS } from "../../../lib/contracts/index.ts";
import { SCHEMAS_DIR, schemaFileName } from "../../../lib/contracts/publish.ts";
import { sampleRun, type WrittenArtifact } from "../../../lib/contracts/sample-run.ts";
import { describeWith } from "../../support/requirements.ts";

const ROOT = resolve(import.meta.dir, "..", "..", "..");
const dir = mkdtempSync(join(tmpdir(), "schemas-oracle-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Validates files against the published schema files with python3-jsonschema. */
function validate(items: readonly WrittenArtifact[]): { documents: number; errors: string[] } {
  const input = items.map((w) => ({ schema: join(ROOT, SCHEMAS_DIR, schemaFileName(w.contract)), file: w.file, format: w.contract.format }));
  const run = Bun.spawnSync(["/usr/bin/python3", join(import.meta.dir, "validate.py")], { stdin: Buffer.from(JSON.stringify(input)) });
  if (run.exitCode !== 0) throw new Error(`validate.py failed: ${run.stderr.toString()}`);
  return JSON.parse(run.stdout.toString());
}

describeWith(["python3-jsonschema"])("published JSON Schemas against a real run", () => {
  let written: WrittenArtifact[] = [];
  beforeAll(async () => {
    written = await sampleRun(dir);
  }, 600_000);

  test("every artifact of a tiny run of the demo's pieces validates against docs/schemas with Python's jsonschema", () => {
    const result = validate(written);
    expect(result.errors).toEqual([]);
    // Every file was read: at least one document each (CSV rows, JSONL lines).
    expect(result.documents).toBeGreaterThanOrEqual(written.length);
    const covered = new Set(written.map((w) => w.contract.name));
    // What the run does not make: a study (hpo), a nightly check (repro) and the pipeline's records.
    expect(CONTRACTS.map((c) => c.name).filter((n) => !covered.has(n))).toEqual(["hpo_summary", "repro_report", "repro_reference", "pipeline_cache_record"]);
  });

  test("the published schemas refuse what the writer would refuse: an unknown key, a wrong type, a bad CSV cell", () => {
    const pick = (name: string) => written.find((w) => w.contract.name === name) as WrittenArtifact;
    const summary = pick("summary");
    const metrics = pick("val_metrics");
    const history = pick("train_history");
    const bad = (w: WrittenArtifact, name: string, text: string): WrittenArtifact => {
      writeFileSync(join(dir, name), text);
      return { contract: w.contract, file: join(dir, name) };
    };
    const extraKey = { ...JSON.parse(readFileSync(summary.file, "utf8")), confidence: 0.95 };
    const wrongType = { ...JSON.parse(readFileSync(metrics.file, "utf8")), acc: "0.5" };
    const csv = readFileSync(history.file, "utf8").trimEnd().split("\n");
    const badCell = [csv[0], (csv[1] as string).replace(/^1,/, "one,")].join("\n");
    const result = validate([bad(summary, "summary.json", JSON.stringify(extraKey)), bad(metrics, "val_metrics.json", JSON.stringify(wrongType)), bad(history, "train_history.csv", badCell)]);
    expect(result.errors).toHaveLength(3);
    expect(result.errors[0]).toContain("Additional properties are not allowed ('confidence' was unexpected)");
    expect(result.errors[1]).toContain("'0.5' is not of type 'number' at acc");
    expect(result.errors[2]).toContain("'one' does not match");
  });
});
