import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "csv-parse/sync";
import { CONTRACTS } from "../../../lib/contracts/index.ts";
import { EXAMPLES_DIR, SCHEMAS_DIR, exampleFileName, publishedFiles, readExample } from "../../../lib/contracts/publish.ts";

const ROOT = resolve(import.meta.dir, "..", "..", "..");

describe("published contracts", () => {
  test("docs/schemas and docs/artifacts.md are what `bun run docs` generates from the contracts now", () => {
    const files = publishedFiles(ROOT, CONTRACTS);
    const stale = [...files].filter(([path, text]) => !existsSync(join(ROOT, path)) || readFileSync(join(ROOT, path), "utf8") !== text).map(([path]) => path);
    expect(stale).toEqual([]);
    const extra = readdirSync(join(ROOT, SCHEMAS_DIR)).filter((f) => !files.has(join(SCHEMAS_DIR, f)));
    expect(extra).toEqual([]);
  });

  test("one contract per name, each with a writer module that exists", () => {
    const names = CONTRACTS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const c of CONTRACTS) expect(existsSync(join(ROOT, c.writer.split(" ")[0] as string))).toBe(true);
  });

  test("every committed example parses with its contract's schema (so the page cannot show a stale shape)", () => {
    const examples = readdirSync(join(ROOT, EXAMPLES_DIR));
    expect(examples.length).toBeGreaterThan(20);
    for (const c of CONTRACTS) {
      const text = readExample(ROOT, c);
      if (text === null) continue;
      const documents: unknown[] = c.format === "csv" ? parse(text, { columns: true }) : c.format === "jsonl" ? text.trim().split("\n").map((l) => JSON.parse(l)) : [JSON.parse(text)];
      expect(documents.length).toBeGreaterThan(0);
      for (const d of documents) {
        const parsed = c.schema.safeParse(d);
        if (!parsed.success) throw new Error(`${exampleFileName(c)}: ${JSON.stringify(parsed.error.issues[0])}`);
      }
    }
  });
});
