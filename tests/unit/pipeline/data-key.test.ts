import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { resolveNodes, runGraph, type GraphNode } from "../../../lib/pipeline/index.ts";
import { openDataState } from "../../../lib/pipeline/data-state.ts";
import { createLogger } from "../../../lib/log/index.ts";
import { quietProgress } from "../../../lib/progress/index.ts";
import { runTask } from "../../../lib/task/index.ts";
import { tempDir, tinyDicom } from "../dataset/fixtures.ts";

const ROOT = resolve(import.meta.dir, "..", "..", "..");
let tmp: ReturnType<typeof tempDir>;
let csv: string;
let root: string;
const CSV = "AccessionNumber,Classification\n000001,1\n000002,2\n000003,3\n000004,4\n000005,2\n000006,3\n";

beforeAll(async () => {
  tmp = tempDir("data-key-");
  root = join(tmp.dir, "archive");
  for (let i = 1; i <= 6; i++) age(tmp.write(`archive/${String(i).padStart(6, "0")}/a.dcm`, await tinyDicom({ seed: i, patientId: `P${i}` })));
  csv = tmp.write("classificacao.csv", CSV);
});

function writeBack(path: string, bytes: Uint8Array): string {
  writeFileSync(path, bytes);
  return path;
}

/** Dates a file an hour back: the state table trusts a stat only for files left alone since well before hashing. */
function age(path: string, minutes = 60): string {
  const t = new Date(Date.now() - minutes * 60_000);
  utimesSync(path, t, t);
  return path;
}
afterAll(() => tmp.cleanup());

/** An external dataset's audit and split, as an experiment with `dataset: {csv, dicomRoot}` makes them. */
function graph(dir: string): GraphNode[] {
  const data = { csv, dicomRoot: root, cacheDir: join(dir, "cache") };
  return [
    { id: "audit", task: "audit", params: { ...data, imgSize: 0, outdir: join(dir, "audit") }, deps: [] },
    { id: "split/seed-42", task: "split", params: { ...data, seed: 42, valFrac: 0.34, outdir: join(dir, "split") }, deps: ["audit"] },
  ];
}

/** Runs the graph with the tasks called in this process (no child processes). */
async function run(dir: string, dryRun = false) {
  return runGraph(await resolveNodes(graph(dir), ROOT), {
    root: ROOT,
    stateDir: join(dir, ".pipeline"),
    jobs: 1,
    dryRun,
    log: createLogger({ console: null, now: () => new Date(0) }),
    progress: quietProgress,
    now: () => new Date(0),
    execute: async (node, params) => {
      await runTask(node.task, params, { quiet: true });
      return 0;
    },
  });
}

const statuses = (outcomes: Awaited<ReturnType<typeof run>>) => outcomes.map((o) => [o.id, o.status]);

describe("the pipeline key covers the contents of an external dataset", () => {
  test("a changed label in the CSV re-runs audit and split, and --explain names the CSV (it said '2 cached, 0 ran')", async () => {
    const dir = join(tmp.dir, "label");
    expect(statuses(await run(dir))).toEqual([["audit", "ran"], ["split/seed-42", "ran"]]);
    expect(statuses(await run(dir))).toEqual([["audit", "cached"], ["split/seed-42", "cached"]]);
    writeFileSync(csv, CSV.replace("000003,3", "000003,4"));
    try {
      const plan = await run(dir, true);
      expect(plan.map((o) => [o.id, o.status, o.reasons])).toEqual([
        ["audit", "planned", [`data file changed: ${csv} (--csv)`]],
        ["split/seed-42", "planned", ["upstream audit will run"]],
      ]);
      const again = await run(dir);
      expect(statuses(again)).toEqual([["audit", "ran"], ["split/seed-42", "ran"]]);
      expect(again[1]?.reasons).toContain(`data file changed: ${csv} (--csv)`);
    } finally {
      writeFileSync(csv, CSV);
    }
  });

  test("one changed byte of one DICOM re-runs the nodes, and --explain names that file", async () => {
    const dir = join(tmp.dir, "pixel");
    await run(dir);
    const file = join(root, "000002", "a.dcm");
    const original = readFileSync(file);
    const changed = Uint8Array.from(original);
    changed[changed.length - 1] = (changed[changed.length - 1] as number) ^ 1; // the last pixel byte
    writeFileSync(file, changed);
    try {
      const plan = await run(dir, true);
      expect(plan[0]?.reasons).toEqual([`data under ${root}: changed: 000002/a.dcm`]);
      tmp.write("archive/000007/b.dcm", await tinyDicom({ seed: 7 }));
      const added = await run(dir, true);
      expect(added[0]?.reasons).toEqual([`data under ${root}: changed: 000002/a.dcm; added: 000007/b.dcm`]);
    } finally {
      age(writeBack(file, original));
      rmSync(join(root, "000007"), { recursive: true, force: true });
    }
    expect(statuses(await run(dir, true))).toEqual([["audit", "cached"], ["split/seed-42", "cached"]]);
  });
});

describe("openDataState(path): the (path, size, mtime, inode) → SHA-256 table", () => {
  test("treeDigest re-checks an unchanged archive with stat alone and re-hashes only a changed file (same size)", async () => {
    const state = openDataState(join(tmp.dir, "state", "data.sqlite"));
    try {
      const first = state.treeDigest(root);
      expect(state.hashed).toBe(6);
      expect(state.treeDigest(root)).toBe(first);
      expect(state.hashed).toBe(6);
      const file = join(root, "000004", "a.dcm");
      const original = readFileSync(file);
      writeFileSync(file, Uint8Array.from(original, (b, i) => (i === original.length - 1 ? b ^ 1 : b)));
      age(file, 30);
      try {
        const second = state.treeDigest(root);
        expect(second).not.toBe(first);
        expect(state.hashed).toBe(7);
        const before = state.manifest(first);
        const now = state.manifest(second);
        expect(Object.keys(now ?? {}).filter((k) => before?.[k] !== now?.[k])).toEqual(["000004/a.dcm"]);
      } finally {
        writeFileSync(file, original);
      }
      // Rewritten just now with the same bytes: hashed again (and again while it is this recent), the original digest back.
      expect(state.treeDigest(root)).toBe(first);
      expect(state.hashed).toBe(8);
      expect(state.treeDigest(root)).toBe(first);
      expect(state.hashed).toBe(9);
      age(file);
    } finally {
      state.close();
    }
  });
});
