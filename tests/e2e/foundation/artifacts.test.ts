import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { allocateRunDir, canonicalJson, hashJson, readArtifact, readJson, sha256, sha256File, toCsv, writeArtifact } from "../../../lib/artifacts/index.ts";
import { TaskError } from "../../../lib/errors/index.ts";

const tmp = () => mkdtempSync(join(tmpdir(), "artifacts-"));

describe("sha256 helpers", () => {
  test("sha256('abc') is the FIPS 180-2 test vector", () => {
    expect(sha256("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
  test("sha256File equals sha256 of the bytes", () => {
    const f = join(tmp(), "x.bin");
    const bytes = new Uint8Array(3 << 20).map((_, i) => (i * 7) & 255);
    writeFileSync(f, bytes);
    expect(sha256File(f)).toBe(sha256(bytes));
  });
  test("canonicalJson sorts keys at every level, so hashJson ignores key order", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 0, y: 1 }], c: 2 } })).toBe('{"a":{"c":2,"d":[1,{"y":1,"z":0}]},"b":1}');
    expect(hashJson({ x: 1, y: 2 })).toBe(hashJson({ y: 2, x: 1 }));
  });
});

describe("toCsv", () => {
  test("quotes separators, quotes and newlines (RFC 4180)", () => {
    expect(toCsv(["a", "b"], [["000123", 'say "hi"'], ["x,y", "line\nbreak"], [null, 1.5]])).toBe('a,b\n000123,"say ""hi"""\n"x,y","line\nbreak"\n,1.5\n');
  });
});

describe("writeArtifact / readArtifact", () => {
  test("round trip with envelope and input hashes", () => {
    const dir = tmp();
    const input = join(dir, "in.csv");
    writeFileSync(input, "abc");
    const path = join(dir, "a.json");
    writeArtifact(path, { value: 3 }, { task: "t", params: { p: 1 }, inputs: [input], createdAt: new Date(0) });
    const art = readArtifact(path, "t", z.object({ value: z.number() }));
    expect(art.value).toBe(3);
    expect(art.inputs).toEqual({ [input]: sha256("abc") });
    expect(art.createdAt).toBe("1970-01-01T00:00:00.000Z");
    expect(art.schemaVersion).toBe(1);
  });
  test("a missing file names the path", () => {
    expect(() => readJson("/nonexistent/x.json", z.object({}))).toThrow("missing artifact: /nonexistent/x.json");
  });
  test("a bad field names the file, the field and the value", () => {
    const path = join(tmp(), "bad.json");
    writeFileSync(path, JSON.stringify({ runs: [{ seed: "forty-two" }] }));
    expect(() => readJson(path, z.object({ runs: z.array(z.object({ seed: z.number() })) }))).toThrow(`invalid artifact ${path}: field runs.0.seed: Invalid input: expected number, received string (got "forty-two")`);
  });
  test("a foreign artifact is refused", () => {
    const path = join(tmp(), "f.json");
    writeArtifact(path, {}, { task: "split", params: {}, createdAt: new Date(0) });
    expect(() => readArtifact(path, "train", z.object({}))).toThrow(`${path} was written by task "split", expected "train"`);
  });
  test("not JSON names the file", () => {
    const path = join(tmp(), "n.json");
    writeFileSync(path, "{not json");
    let err: unknown;
    try {
      readJson(path, z.object({}));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TaskError);
    expect((err as Error).message).toStartWith(`not JSON: ${path}`);
  });
});

describe("writeFileAtomic", () => {
  test("kill -9 during writes leaves the old file or the new one, never a partial one", async () => {
    const dir = tmp();
    const path = join(dir, "big.json");
    for (let round = 0; round < 4; round++) {
      const child = Bun.spawn([process.execPath, join(import.meta.dir, "helpers", "write-loop.ts"), path], { stdout: "pipe" });
      const reader = child.stdout.getReader();
      await reader.read(); // "ready"
      await Bun.sleep(150 + round * 70);
      child.kill(9);
      await child.exited;
      if (existsSync(path)) {
        const text = readFileSync(path, "utf8");
        const parsed = JSON.parse(text) as { fill: string };
        expect(parsed.fill.length).toBe(4 << 20);
      }
    }
    // Temp files of killed writers may remain (named .big.json.tmp-*), never the target half-written.
    expect(readdirSync(dir).filter((f) => !f.startsWith("."))).toEqual(["big.json"]);
  });
});

describe("allocateRunDir", () => {
  test("results, results_1, results_2 in order", () => {
    const out = tmp();
    expect([allocateRunDir(out), allocateRunDir(out), allocateRunDir(out)]).toEqual(["results", "results_1", "results_2"].map((d) => join(out, d)));
  });
  test("processes started at the same moment get different directories", async () => {
    const out = tmp();
    const startAt = Date.now() + 1500;
    const n = 6;
    const procs = Array.from({ length: n }, () =>
      Bun.spawn([process.execPath, join(import.meta.dir, "helpers", "alloc-run-dir.ts"), out, String(startAt)], { stdout: "pipe" }),
    );
    const dirs = await Promise.all(procs.map(async (p) => (await new Response(p.stdout).text()).trim()));
    expect(new Set(dirs).size).toBe(n);
    expect(readdirSync(out).sort()).toEqual(["results", ...Array.from({ length: n - 1 }, (_, i) => `results_${i + 1}`)].sort());
  });
});
