/**
 * `bun run docs`: publishes every artifact contract (lib/contracts) as JSON Schema under
 * docs/schemas/ and writes docs/artifacts.md. `--examples` first re-captures the examples
 * (docs/examples/) from a tiny real run of the demo's pieces (about a minute).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { CONTRACTS } from "../lib/contracts/index.ts";
import { EXAMPLES_DIR, SCHEMAS_DIR, exampleFileName, exampleText, publishedFiles } from "../lib/contracts/publish.ts";
import { sampleRun } from "../lib/contracts/sample-run.ts";

const ROOT = resolve(import.meta.dir, "..");

/** Runs the sample and keeps one shortened example per contract, with the machine's paths replaced. */
async function captureExamples(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "mammo-docs-"));
  try {
    const written = await sampleRun(dir);
    rmSync(join(ROOT, EXAMPLES_DIR), { recursive: true, force: true });
    mkdirSync(join(ROOT, EXAMPLES_DIR), { recursive: true });
    const seen = new Set<string>();
    for (const { contract, file } of written) {
      if (seen.has(contract.name)) continue;
      seen.add(contract.name);
      const text = readFileSync(file, "utf8").replaceAll(dir, "outputs/sample").replaceAll(ROOT, "/home/user/mammo-density");
      writeFileSync(join(ROOT, EXAMPLES_DIR, exampleFileName(contract)), exampleText(contract, text));
    }
    console.log(`examples: ${seen.size} of ${CONTRACTS.length} contracts, from a sample run`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes("--examples")) await captureExamples();
const files = publishedFiles(ROOT, CONTRACTS);
// Schemas of contracts that no longer exist (or of an old version) are removed.
mkdirSync(join(ROOT, SCHEMAS_DIR), { recursive: true });
for (const f of readdirSync(join(ROOT, SCHEMAS_DIR))) if (!files.has(join(SCHEMAS_DIR, f))) rmSync(join(ROOT, SCHEMAS_DIR, f));
for (const [path, text] of files) {
  mkdirSync(dirname(join(ROOT, path)), { recursive: true });
  writeFileSync(join(ROOT, path), text);
}
console.log(`wrote ${files.size} files under docs/`);
