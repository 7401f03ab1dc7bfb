import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomSample, searchSpaceSchema, shouldPrune, Study, tpeSample, median, type Observation } from "../../../lib/hpo/index.ts";
import { stream } from "../../../lib/rng/index.ts";

const space = searchSpaceSchema.parse({
  params: {
    lr: { type: "float", low: 1e-5, high: 1e-1, log: true },
    dropout: { type: "float", low: 0, high: 0.5, step: 0.1 },
    batchSize: { type: "int", low: 8, high: 32, step: 8 },
    arch: { type: "categorical", choices: ["small-cnn", "efficientnet-b0"] },
  },
});

describe("searchSpaceSchema", () => {
  test("refuses low ≥ high and log with low ≤ 0, naming the param", () => {
    const bad = searchSpaceSchema.safeParse({ params: { lr: { type: "float", low: 0, high: 1, log: true }, wd: { type: "float", low: 2, high: 1 } } });
    expect(bad.success).toBe(false);
    const messages = bad.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(messages).toEqual(["params.lr.low: log scale needs low > 0, got 0", "params.wd.low: low (2) must be below high (1)"]);
  });
});

describe("randomSample(space, stream(seed, `hpo/trial/i`))", () => {
  test("trial i's params depend only on (seed, i)", () => {
    const a = [0, 1, 2, 3].map((i) => randomSample(space, stream(42, `hpo/trial/${i}`)));
    const b = [3, 2, 1, 0].map((i) => randomSample(space, stream(42, `hpo/trial/${i}`))).reverse();
    expect(a).toEqual(b);
    expect(a[0]).not.toEqual(a[1]);
  });
  test("respects bounds, steps, integer grid and log scale", () => {
    const lrs: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const p = randomSample(space, stream(7, `hpo/trial/${i}`));
      const lr = p.lr as number;
      lrs.push(lr);
      expect(lr).toBeGreaterThanOrEqual(1e-5);
      expect(lr).toBeLessThanOrEqual(1e-1);
      expect([0, 0.1, 0.2, 0.3, 0.4, 0.5].some((v) => Math.abs((p.dropout as number) - v) < 1e-12)).toBe(true);
      expect([8, 16, 24, 32]).toContain(p.batchSize as number);
      expect(["small-cnn", "efficientnet-b0"]).toContain(p.arch as string);
    }
    // Log-uniform: the median is near the geometric mean 1e-3, far below the arithmetic mean 0.05.
    expect(Math.abs(Math.log10(median(lrs)) + 3)).toBeLessThan(0.15);
  });
});

describe("tpeSample(space, history, rng)", () => {
  const oneD = searchSpaceSchema.parse({ params: { x: { type: "float", low: -10, high: 10 } } });
  const objective = (x: number) => -((x - 3) ** 2);
  function run(sampler: "random" | "tpe", seed: number): number[] {
    const history: Observation[] = [];
    const xs: number[] = [];
    for (let i = 0; i < 60; i++) {
      const rng = stream(seed, `hpo/trial/${i}`);
      const p = sampler === "tpe" ? tpeSample(oneD, history, rng) : randomSample(oneD, rng);
      const x = p.x as number;
      xs.push(x);
      history.push({ params: p, score: objective(x) });
    }
    return xs;
  }
  test("concentrates its later trials near the optimum, unlike random search", () => {
    for (const seed of [1, 2, 3]) {
      const lateDistance = (xs: number[]) => xs.slice(30).reduce((s, x) => s + Math.abs(x - 3), 0) / 30;
      const tpe = lateDistance(run("tpe", seed));
      const rnd = lateDistance(run("random", seed));
      expect(tpe).toBeLessThan(rnd / 2);
    }
  });
  test("is deterministic given the history and the stream", () => {
    expect(run("tpe", 5)).toEqual(run("tpe", 5));
  });
});

describe("Study (bun:sqlite)", () => {
  const config = { name: "s", sampler: "random" as const, seed: 42, direction: "maximize" as const, objective: "macro_f1", space: "{}" };
  test("a trial can be claimed once; stale running trials are released on resume", () => {
    const path = join(mkdtempSync(join(tmpdir(), "study-")), "study.sqlite");
    const s = Study.open(path, config, new Date(0));
    expect(s.claim(0, { x: 1 }, new Date(0))).toBe(true);
    expect(s.claim(0, { x: 1 }, new Date(0))).toBe(false);
    expect(s.claim(1, { x: 2 }, new Date(0))).toBe(true);
    s.finish(0, "complete", { value: 0.5, runDir: "r0" }, new Date(1000));
    s.close();
    const again = Study.open(path, config, new Date(2000));
    expect(again.releaseStale()).toEqual([1]);
    expect(again.trials().map((t) => [t.number, t.state, t.value])).toEqual([[0, "complete", 0.5]]);
    again.close();
  });
  test("reopening with different settings is refused, naming the setting", () => {
    const path = join(mkdtempSync(join(tmpdir(), "study-")), "study.sqlite");
    Study.open(path, config, new Date(0)).close();
    expect(() => Study.open(path, { ...config, seed: 43 }, new Date(0))).toThrow('study "s" in ' + path + " was created with a different seed (42 ≠ 43)");
  });
  test("Study.attach on a file that is not a study says so, naming the file", () => {
    const path = join(mkdtempSync(join(tmpdir(), "study-")), "study.sqlite");
    expect(() => Study.attach(path, "s")).toThrow(`no study database at ${path} (the hpo task has not created it yet)`);
    writeFileSync(path, "");
    expect(() => Study.attach(path, "s")).toThrow(`${path} is not an hpo study database (its study/trial/intermediate tables are missing)`);
  });
  test("processes opening one study while others attach and read it as soon as the file exists: none fails", async () => {
    // Before the schema was written inside the file's creation, readers met "no such table" and "database is locked".
    const study = join(import.meta.dir, "..", "..", "..", "lib", "hpo", "index.ts");
    const script = (role: string, path: string) => `
      import { Study } from ${JSON.stringify(study)};
      import { existsSync } from "node:fs";
      const path = ${JSON.stringify(path)};
      const config = ${JSON.stringify(config)};
      if (${JSON.stringify(role)} === "open") {
        const s = Study.open(path, config, new Date(0));
        for (let n = 0; n < 20; n++) if (s.claim(n, { n }, new Date(0))) s.finish(n, "complete", { value: n }, new Date(0));
        s.close();
      } else {
        let reads = 0;
        const deadline = Date.now() + 60000;
        while (reads < 200 && Date.now() < deadline) {
          if (!existsSync(path)) continue;
          const s = Study.attach(path, "s");
          s.trials();
          s.close();
          reads++;
        }
        if (reads < 200) throw new Error("the study never appeared");
      }`;
    for (let round = 0; round < 3; round++) {
      const path = join(mkdtempSync(join(tmpdir(), "study-race-")), "study.sqlite");
      const roles = ["read", "read", "open", "open"];
      const procs = roles.map((role) => Bun.spawn([process.execPath, "-e", script(role, path)], { stdout: "ignore", stderr: "pipe" }));
      const results = await Promise.all(procs.map(async (p, i) => ({ role: roles[i], code: await p.exited, err: (await new Response(p.stderr).text()).trim().split("\n").join(" / ") })));
      expect(results.filter((r) => r.code !== 0)).toEqual([]);
      const s = Study.attach(path, "s");
      expect(s.trials().map((t) => t.number)).toEqual(Array.from({ length: 20 }, (_, n) => n));
      s.close();
    }
  }, 120_000);
  test("shouldPrune: worse than the median of finished trials at the same epoch", () => {
    const path = join(mkdtempSync(join(tmpdir(), "study-")), "study.sqlite");
    const s = Study.open(path, config, new Date(0));
    for (let n = 0; n < 5; n++) {
      s.claim(n, {}, new Date(0));
      s.report(n, 2, 0.1 * (n + 1)); // 0.1 … 0.5, median 0.3
      s.finish(n, "complete", { value: 0.1 * (n + 1) }, new Date(0));
    }
    s.claim(5, {}, new Date(0));
    expect(shouldPrune(s, 5, 2, 0.25)).toBe(true);
    expect(shouldPrune(s, 5, 2, 0.35)).toBe(false);
    expect(shouldPrune(s, 5, 1, 0.0)).toBe(false); // warm-up epoch
    expect(shouldPrune(s, 5, 3, 0.0)).toBe(false); // nobody reported epoch 3
    s.close();
  });
});
