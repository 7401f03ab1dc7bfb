import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../../lib/log/index.ts";
import { createProgress } from "../../../lib/progress/index.ts";
import { runTask, watchMathRandom } from "../../../lib/task/index.ts";

describe("createLogger", () => {
  test("run.log lines read `%Y-%m-%d %H:%M:%S [LEVEL] message`", () => {
    const file = join(mkdtempSync(join(tmpdir(), "log-")), "run.log");
    const log = createLogger({ console: null, now: () => new Date(Date.UTC(2026, 0, 31, 14, 5, 9)) });
    log.info("before attach is not in the file");
    log.attachFile(file);
    log.info("Seed: 42");
    log.warn("careful");
    expect(readFileSync(file, "utf8")).toBe("2026-01-31 14:05:09 [INFO] Seed: 42\n2026-01-31 14:05:09 [WARNING] careful\n");
  });
});

describe("createProgress (not a TTY)", () => {
  test("prints plain periodic lines with rate and ETA, and a final line", () => {
    const lines: string[] = [];
    const stream = { isTTY: false, write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
    let t = 0;
    const bar = createProgress(stream, 10_000, () => t)("decode", 100);
    for (let i = 0; i < 100; i++) {
      t += 1000; // one unit per second
      bar.increment(1, { loss: 0.5 });
    }
    bar.stop();
    // One line per 10 s of work plus the final one.
    expect(lines.length).toBe(11);
    expect(lines[0]).toBe("decode: 10/100 (10%) 1.0/s, elapsed 10s, ETA 1m30s | loss 0.5000\n");
    expect(lines.at(-1)).toBe("decode: 100/100 (100%) 1.0/s, elapsed 1m40s, ETA 0s | loss 0.5000\n");
  });
});

describe("watchMathRandom", () => {
  test("synth (seeded phantoms, every codec) through runTask makes no Math.random call", async () => {
    // train (tfjs, seeded init, shuffling, dropout, augmentation) is checked the same way in its test.
    const watch = watchMathRandom({ forbid: true });
    try {
      const outdir = mkdtempSync(join(tmpdir(), "synth-"));
      await runTask("synth", { outdir, accessions: 6, seed: 1, imageSize: 32 }, { quiet: true });
    } finally {
      watch.restore();
    }
    expect(watch.calls).toBe(0);
  });
  test("watchMathRandom counts a call from the project's code and names the caller, not itself", () => {
    const watch = watchMathRandom();
    Math.random(); // the caller: this line
    watch.restore();
    expect(watch.calls).toBe(1);
    expect(watch.firstCaller).toStartWith(`${import.meta.path}:`);
  });
  test("watchMathRandom counts an unseeded tfjs draw made for the project's code (a real call, deep in tfjs)", async () => {
    const tf = await import("@tensorflow/tfjs");
    const watch = watchMathRandom();
    try {
      tf.tidy(() => tf.randomNormal([4]).dataSync());
    } finally {
      watch.restore();
    }
    expect(watch.calls).toBeGreaterThan(0);
    expect(watch.firstCaller).toContain("node_modules/@tensorflow");
  });
  test("watchMathRandom ignores the entropy draws of tfjs's bundled seedrandom when tfjs loads during the watch", () => {
    // A fresh process, so that tfjs really loads while the watch runs (as when a task imports it lazily).
    const script = `import { watchMathRandom } from ${JSON.stringify(join(import.meta.dir, "..", "..", "..", "lib", "task", "random-guard.ts"))};
const seen = [];
const original = Math.random;
Math.random = () => (seen.push(1), original());
const watch = watchMathRandom({ forbid: true });
await import(${JSON.stringify(Bun.resolveSync("@tensorflow/tfjs", import.meta.dir))});
watch.restore();
console.log(JSON.stringify({ calls: watch.calls, seen: seen.length }));`;
    const file = join(mkdtempSync(join(tmpdir(), "guard-")), "load.ts");
    writeFileSync(file, script);
    const out = Bun.spawnSync([process.execPath, file], { cwd: join(import.meta.dir, "..", "..", "..") });
    expect(out.exitCode).toBe(0);
    const { calls, seen } = JSON.parse(out.stdout.toString()) as { calls: number; seen: number };
    expect(seen).toBeGreaterThanOrEqual(4); // tfjs's packages did draw while loading...
    expect(calls).toBe(0); // ...and none of it was counted
  });
});
