import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { readArtifact } from "../../../lib/artifacts/index.ts";

const ROOT = join(import.meta.dir, "..", "..", "..");

function cli(args: string[], bin = "cli/main.ts") {
  const proc = Bun.spawnSync([process.execPath, bin, ...args], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  return { code: proc.exitCode, stdout: proc.stdout.toString(), stderr: proc.stderr.toString() };
}

describe("bun run task (cli/main.ts)", () => {
  test("--help lists the tasks", () => {
    const r = cli(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("seed");
    expect(r.stdout).toContain("Write the seed plan");
  });
  test("unknown task: one line, exit 2", () => {
    const r = cli(["sede"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: unknown task: sede (did you mean seed?)\n");
  });
  test("unknown flag: one line, exit 2", () => {
    const r = cli(["seed", "--seedz", "42"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: unknown flag: --seedz (did you mean --seeds?)\n");
  });
  test("value rejected by the schema: names flag and value, exit 2", () => {
    const r = cli(["seed", "--seeds", "-3"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toStartWith("error: invalid --seeds: [-3] (");
  });
  test("task --help prints every option with its default", () => {
    const r = cli(["seed", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("--seeds <int>");
    expect(r.stdout).toContain("(default: 42 43 44)");
    expect(r.stdout).toContain("--outdir <string>");
  });
  test("seed writes a valid seeds.json and prints its path last", () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-seed-"));
    const r = cli(["seed", "--seeds", "42", "--seeds", "43", "--seeds", "44", "--outdir", dir]);
    expect(r.code).toBe(0);
    const path = join(dir, "seeds.json");
    expect(r.stdout.trim().split("\n").at(-1)).toBe(path);
    const art = readArtifact(path, "seed", z.object({ seeds: z.array(z.number()), scheme: z.object({ name: z.string() }) }));
    expect(art.seeds).toEqual([42, 43, 44]);
    expect(art.scheme.name).toBe("sha256-v1");
    expect(art.params).toEqual({ seeds: [42, 43, 44], outdir: dir });
    expect(JSON.parse(readFileSync(path, "utf8")).provenance.platform).toBe(process.platform);
  });
  test("bin/mammography accepts the upstream `--` separator", () => {
    const r = cli(["seed", "--", "--seeds", "7", "--outdir", mkdtempSync(join(tmpdir(), "cli-bin-"))], "bin/mammography.ts");
    expect(r.code).toBe(0);
  });
  test("mammography train-density -- <flags> is train; report-pack is report; train-gpu is train", () => {
    const upstream = cli(["train-density", "--", "--help"], "bin/mammography.ts");
    expect(upstream.code).toBe(0);
    expect(upstream.stdout).toStartWith("Usage: bun run task train-density [options]");
    expect(upstream.stdout).toContain("--warmup-epochs <int>");
    expect(cli(["train-gpu", "--help"]).stdout).toContain("--unfreeze-last-block");
    const pack = cli(["report-pack", "--help"], "bin/mammography.ts");
    expect(pack.code).toBe(0);
    expect(pack.stdout).toContain("--gradcam-limit <int>");
  });
  test("unexpected error prints the message, exit 1, stack only with --debug", () => {
    const file = join(mkdtempSync(join(tmpdir(), "cli-err-")), "blocker");
    Bun.write(file, "a file, not a directory");
    const plain = cli(["seed", "--outdir", join(file, "sub")]);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain("error: ");
    expect(plain.stderr).not.toContain("    at ");
    const debug = cli(["seed", "--outdir", join(file, "sub"), "--debug"]);
    expect(debug.code).toBe(1);
    expect(debug.stderr).toContain("    at ");
  });
});

describe("what every user sees", () => {
  test("task -h prints the help like --help", () => {
    const r = cli(["seed", "-h"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(cli(["seed", "--help"]).stdout);
  });
  test("train --help says (required) once for --csv", () => {
    const r = cli(["train", "--help"]);
    const line = r.stdout.split("\n").find((l) => l.trimStart().startsWith("--csv")) ?? "";
    expect(line.match(/\(required\)/g)?.length).toBe(1);
  });
  test("every task's help examples name only files that ship, or that an earlier command writes", async () => {
    const { loadTask, taskNames } = await import("../../../lib/task/index.ts");
    const missing: string[] = [];
    for (const name of taskNames()) {
      const task = await loadTask(name);
      for (const example of task.examples ?? []) {
        for (const word of example.split(/\s+/)) {
          // Files the repository itself provides: experiments/, data/ (not data/generated), references/.
          if (!/^(experiments|data|references)\/[^*]+\.(json|csv)$/.test(word) || word.startsWith("data/generated/")) continue;
          if (!(await Bun.file(join(ROOT, word)).exists())) missing.push(`${name}: ${word}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
  test("summary.json's command_line is what was typed: `mammography train-density -- …` through the bin entry", () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-cmdline-"));
    expect(cli(["synth", "--outdir", join(dir, "d"), "--accessions", "12", "--image-size", "32", "--encodings", "explicit-le"]).code).toBe(0);
    const args = ["train-density", "--", "--csv", join(dir, "d", "classificacao.csv"), "--dicom-root", join(dir, "d", "archive"), "--outdir", join(dir, "o"), "--arch", "small-cnn", "--img-size", "16", "--epochs", "1", "--batch-size", "8", "--val-frac", "0.4", "--backend", "cpu", "--min-readable", "0"];
    const r = cli(args, "bin/mammography.ts");
    expect(r.stderr).not.toContain("error:");
    expect(r.code).toBe(0);
    const summary = JSON.parse(readFileSync(join(dir, "o", "results", "summary.json"), "utf8")) as { reproducibility: { command_line: string } };
    expect(summary.reproducibility.command_line).toBe(["mammography", ...args].join(" "));
  });
  test("provenance under Bun records Bun's Node API level apart from the Node.js on the PATH", async () => {
    const { provenance } = await import("../../../lib/provenance/index.ts");
    const p = provenance();
    expect(p.bun_node_compat).toBe(process.versions.node);
    const onPath = Bun.spawnSync(["node", "--version"]).stdout.toString().trim().replace(/^v/, "");
    expect(p.node).toBe(onPath || null);
  });
});
