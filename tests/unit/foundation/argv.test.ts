import { describe, expect, test } from "bun:test";
import { z } from "zod";
import { parseArgs } from "../../../cli/argv.ts";
import { defineTask } from "../../../lib/task/index.ts";
import { TaskError } from "../../../lib/errors/index.ts";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const task = defineTask({
  name: "demo-flags",
  description: "flags for tests",
  params: z.object({
    valFrac: z.number().gt(0).lt(1).default(0.2).describe("validation fraction"),
    epochs: z.number().int().positive().default(3),
    augment: z.boolean().default(true),
    seeds: z.array(z.number().int()).default([42]),
    backend: z.enum(["auto", "wasm", "cpu"]).default("auto"),
    csv: z.string().optional(),
    includeClass5: z.boolean().default(false),
  }),
  async run() {
    return {};
  },
});

function usage(argv: string[]): string {
  try {
    parseArgs(task, argv);
  } catch (err) {
    expect(err).toBeInstanceOf(TaskError);
    expect((err as TaskError).exitCode).toBe(2);
    return (err as Error).message;
  }
  throw new Error(`expected a usage error for ${argv.join(" ")}`);
}

describe("parseArgs(task, argv)", () => {
  test.each([
    [["--val-frac", "0.3"], { valFrac: 0.3 }],
    [["--val-frac=0.25"], { valFrac: 0.25 }],
    [["--no-augment"], { augment: false }],
    [["--augment"], { augment: true }],
    [["--augment=false"], { augment: false }],
    [["--seeds", "42", "--seeds", "43", "--seeds", "44"], { seeds: [42, 43, 44] }],
    [["--backend", "wasm", "--csv", "a b.csv"], { backend: "wasm", csv: "a b.csv" }],
    [["--epochs", "-1"], { epochs: -1 }],
    [["--include-class-5"], { includeClass5: true }],
  ] as const)("%p parses to %p", (argv, expected) => {
    expect(parseArgs(task, [...argv]).params).toEqual(expected);
  });

  test("unknown flag names the closest one", () => {
    expect(usage(["--vall-frac", "0.2"])).toBe("unknown flag: --vall-frac (did you mean --val-frac?)");
  });
  test("non-numeric value names the flag and value", () => {
    expect(usage(["--val-frac", "abc"])).toBe("invalid --val-frac: abc (expected a number)");
  });
  test("integer flag refuses a fraction", () => {
    expect(usage(["--epochs", "2.5"])).toBe("invalid --epochs: 2.5 (expected an integer)");
  });
  test("enum value suggests the choice", () => {
    expect(usage(["--backend", "wsm"])).toBe("invalid --backend: wsm (expected one of auto, wasm, cpu; did you mean wasm?)");
  });
  test("missing value", () => {
    expect(usage(["--val-frac"])).toBe("missing value for --val-frac");
  });
  test("bare argument for a task without positional", () => {
    expect(usage(["extra"])).toBe("unexpected argument: extra (task demo-flags takes only --flags)");
  });
  test("--event supplies params that flags override; keys in any spelling", () => {
    const dir = mkdtempSync(join(tmpdir(), "argv-"));
    const file = join(dir, "params.json");
    writeFileSync(file, JSON.stringify({ "val-frac": 0.1, epochs: 7, seeds: [1, 2] }));
    expect(parseArgs(task, ["--event", file, "--epochs", "9"]).params).toEqual({ valFrac: 0.1, epochs: 9, seeds: [1, 2] });
  });
  test("--event with an unknown key names it", () => {
    const dir = mkdtempSync(join(tmpdir(), "argv-"));
    const file = join(dir, "params.json");
    writeFileSync(file, JSON.stringify({ val_fracc: 0.1 }));
    expect(usage(["--event", file])).toBe("unknown param in --event file: valFracc (did you mean valFrac?)");
  });
});
