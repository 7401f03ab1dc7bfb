import { describe, expect, test } from "bun:test";
import { SEED_SOURCES, describeSourceSeeds, overriddenSources, parseSources, sourceParam, sourceSeeds } from "../../../lib/rng/index.ts";

describe("sourceSeeds(seed, overrides)", () => {
  test("every source follows the seed by default", () => {
    expect(sourceSeeds(42)).toEqual({ split: 42, init: 42, order: 42, augment: 42, dropout: 42 });
    expect(sourceSeeds(42, { seedInit: undefined })).toEqual(sourceSeeds(42));
  });
  test("an override replaces only its own source", () => {
    expect(sourceSeeds(42, { seedInit: 7 })).toEqual({ split: 42, init: 7, order: 42, augment: 42, dropout: 42 });
    expect(sourceSeeds(42, { seedSplit: 1, seedDropout: 0 })).toEqual({ split: 1, init: 42, order: 42, augment: 42, dropout: 0 });
  });
  test("overriddenSources lists the sources whose seed is not the run's, in source order", () => {
    expect(overriddenSources(42, sourceSeeds(42, { seedDropout: 5, seedSplit: 6 }))).toEqual(["split", "dropout"]);
    expect(overriddenSources(42, sourceSeeds(42, { seedInit: 42 }))).toEqual([]);
  });
  test("describeSourceSeeds names every source with its seed", () => {
    expect(describeSourceSeeds(sourceSeeds(42, { seedOrder: 3 }))).toBe("split 42, init 42, order 3, augment 42, dropout 42");
  });
});

test("sourceParam(source) is the train param (and flag) of the source", () => {
  expect(SEED_SOURCES.map(sourceParam)).toEqual(["seedSplit", "seedInit", "seedOrder", "seedAugment", "seedDropout"]);
});

describe("parseSources(text, flag)", () => {
  test("reads a comma list, drops blanks and repeats, keeps the order given", () => {
    expect(parseSources("init, split,,init", "--sources")).toEqual(["init", "split"]);
    expect(parseSources(["order", "augment,dropout"], "--sources")).toEqual(["order", "augment", "dropout"]);
  });
  test("refuses an unknown source, naming the flag and the value", () => {
    expect(() => parseSources("init,shuffle", "--sources")).toThrow("invalid --sources: shuffle (expected one of split, init, order, augment, dropout)");
  });
});
