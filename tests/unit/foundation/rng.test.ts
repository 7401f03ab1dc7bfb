import { describe, expect, test } from "bun:test";
import { deriveSeed, stream } from "../../../lib/rng/index.ts";
import { sha256 } from "../../../lib/artifacts/index.ts";

describe("deriveSeed(root, purpose)", () => {
  test("is the first 4 bytes (LE) of SHA-256 of scheme NUL root NUL purpose", () => {
    const hex = sha256("sha256-v1\u000042\u0000shuffle/epoch/3");
    const expected = Buffer.from(hex, "hex").readUInt32LE(0) || 1;
    expect(deriveSeed(42, "shuffle/epoch/3")).toBe(expected);
    expect(deriveSeed("42", "shuffle/epoch/3")).toBe(expected);
  });
  test("differs between purposes and roots, and is never 0", () => {
    const seeds = new Set<number>();
    for (const root of [42, 43, 44]) for (let e = 0; e < 200; e++) seeds.add(deriveSeed(root, `shuffle/epoch/${e}`));
    expect(seeds.size).toBe(600);
    expect(seeds.has(0)).toBe(false);
  });
});

describe("stream(root, purpose)", () => {
  test("same root and purpose give the same sequence", () => {
    const a = stream(42, "split");
    const b = stream(42, "split");
    expect(Array.from({ length: 20 }, () => a.float())).toEqual(Array.from({ length: 20 }, () => b.float()));
  });
  test("drawing from one stream does not shift another (streams are independent)", () => {
    const untouched = Array.from({ length: 5 }, () => stream(42, "shuffle/epoch/3").float());
    const busy = stream(42, "augment/epoch/3");
    for (let i = 0; i < 1000; i++) busy.float();
    const after = Array.from({ length: 5 }, () => stream(42, "shuffle/epoch/3").float());
    expect(after).toEqual(untouched);
    expect(stream(42, "shuffle/epoch/3").float()).not.toBe(stream(43, "shuffle/epoch/3").float());
  });
  test("int(n) is uniform enough: 60k draws of int(6) within 3 % of 10k each", () => {
    const r = stream(1, "uniformity");
    const counts = new Int32Array(6);
    for (let i = 0; i < 60_000; i++) {
      const k = r.int(6);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(300);
  });
  test("normal() has mean ≈ 0 and variance ≈ 1", () => {
    const r = stream(1, "normal");
    const xs = Array.from({ length: 40_000 }, () => r.normal());
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(variance - 1)).toBeLessThan(0.03);
  });
  test("shuffle is a permutation and seed() is never 0", () => {
    const r = stream(5, "shuffle");
    const items = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = r.shuffle(items);
    expect(shuffled).not.toEqual(items);
    expect([...shuffled].sort((a, b) => a - b)).toEqual(items);
    for (let i = 0; i < 1000; i++) expect(r.seed()).toBeGreaterThan(0);
  });
  test("child(sub) is the stream of purpose/sub", () => {
    expect(stream(42, "hpo").child("trial/3").float()).toBe(stream(42, "hpo/trial/3").float());
  });
});
