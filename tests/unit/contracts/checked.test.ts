import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { checkedJson, csvNumber, defineArtifact, enveloped, readJson, sha256, sidecarPath, provenanceSidecarSchema } from "../../../lib/artifacts/index.ts";
import { artifactStore } from "../../../lib/task/index.ts";

const point = defineArtifact({
  name: "point",
  path: "<dir>/point.json",
  format: "json",
  schema: enveloped(z.object({ x: z.number(), tags: z.array(z.object({ name: z.string() })) })),
  enveloped: true,
  writer: "tests/unit/contracts/checked.test.ts",
  readers: [],
  description: "a test artifact",
  version: 3,
});

const rows = defineArtifact({
  name: "rows",
  path: "<dir>/rows.csv",
  format: "csv",
  schema: z.object({ id: z.string(), value: csvNumber }),
  enveloped: false,
  writer: "tests/unit/contracts/checked.test.ts",
  readers: [],
  description: "a test table",
  version: 2,
});

const clock = { now: () => new Date("2026-03-04T05:06:07Z") };

describe("checked artifact writes", () => {
  test("checkedJson refuses a wrong type, naming the artifact, the field and the value", () => {
    expect(() => checkedJson(point, { schemaVersion: 3, task: "t", createdAt: "", params: {}, inputs: {}, provenance: {}, x: "7", tags: [] })).toThrow('point does not match its schema: field x: Invalid input: expected number, received string (got "7")');
  });

  test("checkedJson refuses a key the schema does not know, even nested (a parse would drop it silently)", () => {
    const body = { schemaVersion: 3, task: "t", createdAt: "", params: {}, inputs: {}, provenance: {}, x: 1, tags: [{ name: "a" }, { name: "b", colour: "red" }] };
    expect(() => checkedJson(point, body)).toThrow("point: key tags[1].colour is not in its schema");
  });

  test("ctx.artifacts.writeJson writes the envelope (schemaVersion = the contract's version) then the body", () => {
    const dir = mkdtempSync(join(tmpdir(), "checked-"));
    try {
      artifactStore("demo-task", { seed: 1 }, clock).writeJson(point, join(dir, "point.json"), { x: 2.5, tags: [{ name: "a" }] });
      const written = readJson(join(dir, "point.json"), point.schema);
      expect(written).toMatchObject({ schemaVersion: 3, task: "demo-task", createdAt: "2026-03-04T05:06:07.000Z", params: { seed: 1 }, inputs: {}, x: 2.5, tags: [{ name: "a" }] });
      // An unknown key is refused by the type checker, and at run time where types do not reach (a spread, a cast).
      // @ts-expect-error extra is not in the schema
      expect(() => artifactStore("demo-task", {}, clock).writeJson(point, join(dir, "bad.json"), { x: 1, tags: [], extra: true })).toThrow("point: key extra is not in its schema");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("ctx.artifacts.writeCsv checks each row as strings and writes a provenance sidecar with the file's SHA-256", () => {
    const dir = mkdtempSync(join(tmpdir(), "checked-"));
    try {
      const path = join(dir, "rows.csv");
      artifactStore("demo-task", { n: 2 }, clock).writeCsv(rows, path, ["id", "value"], [["a", 0.5], ["b", null]]);
      const text = readFileSync(path, "utf8");
      expect(text).toBe("id,value\na,0.5\nb,\n");
      const sidecar = readJson(sidecarPath(path), provenanceSidecarSchema);
      expect(sidecar).toMatchObject({ schemaVersion: 2, task: "demo-task", file: "rows.csv", sha256: sha256(text), params: { n: 2 } });
      expect(() => artifactStore("demo-task", {}, clock).writeCsv(rows, path, ["id", "value"], [["c", "x"]])).toThrow('rows row 1 does not match its schema: field value: expected a number or an empty cell (got "x")');
      // A contract written another way than it says.
      expect(() => artifactStore("demo-task", {}, clock).writeJson(rows, join(dir, "rows.json"), { id: "a", value: "1" })).toThrow("rows is csv with provenance sidecar, but was written as json with envelope");
      expect(() => artifactStore("demo-task", {}, clock).writeCsv(point, path, ["id"], [])).toThrow("point is json with provenance envelope, but was written as csv with sidecar");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
