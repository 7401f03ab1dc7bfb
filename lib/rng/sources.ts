import { usageError } from "../errors/index.ts";

/**
 * The sources of randomness of a training run. Every named stream belongs to one source, and each
 * source may take its own root seed, so a study can vary one source while holding the others
 * fixed. By default every source follows the run's `--seed`, which reproduces the streams (and
 * the bits) of runs made before sources existed.
 */
export const SEED_SOURCES = ["split", "init", "order", "augment", "dropout"] as const;
export type SeedSource = (typeof SEED_SOURCES)[number];

/** The root seed of each source. */
export type SourceSeeds = Record<SeedSource, number>;

/** The streams each source's root seed feeds (for logs, help and the seed plan). */
export const SOURCE_STREAMS: Record<SeedSource, readonly string[]> = {
  split: ["split", "fold", "subset"],
  init: ["init/<layer>"],
  order: ["shuffle/epoch/<e>", "sampler/epoch/<e>"],
  augment: ["augment/epoch/<e>"],
  dropout: ["dropout/step/<n>/<layer>"],
};

/** What each source decides, in words (help texts, reports). */
export const SOURCE_MEANING: Record<SeedSource, string> = {
  split: "train/validation (or fold) assignment and --subset",
  init: "initial weights",
  order: "batch order (shuffling, weighted sampler)",
  augment: "augmentation draws (flip, rotation)",
  dropout: "dropout masks",
};

/** The train param that overrides a source's root seed: `init` → `seedInit` (flag `--seed-init`). */
export const sourceParam = (source: SeedSource) => `seed${source[0]?.toUpperCase()}${source.slice(1)}` as `seed${Capitalize<SeedSource>}`;

/** Per-source overrides as params hold them (`seedInit: 7`); absent or undefined means "follow the seed". */
export type SourceOverrides = Partial<Record<`seed${Capitalize<SeedSource>}`, number | undefined>>;

/** The root seed of every source: its override, else `seed`. */
export function sourceSeeds(seed: number, overrides: SourceOverrides = {}): SourceSeeds {
  const out = {} as SourceSeeds;
  for (const source of SEED_SOURCES) out[source] = overrides[sourceParam(source)] ?? seed;
  return out;
}

/** The sources whose root seed is not `seed` (what a run overrode), in SEED_SOURCES order. */
export function overriddenSources(seed: number, seeds: SourceSeeds): SeedSource[] {
  return SEED_SOURCES.filter((s) => seeds[s] !== seed);
}

/** `split 42, init 7, order 42, augment 42, dropout 42` — for logs and error messages. */
export function describeSourceSeeds(seeds: SourceSeeds): string {
  return SEED_SOURCES.map((s) => `${s} ${seeds[s]}`).join(", ");
}

/** Parses a comma-separated list of source names (`split,init`), refusing unknown ones by name. */
export function parseSources(text: string | readonly string[], flag: string): SeedSource[] {
  const names = (typeof text === "string" ? text.split(",") : text.flatMap((t) => t.split(","))).map((s) => s.trim()).filter((s) => s !== "");
  const out: SeedSource[] = [];
  for (const name of names) {
    if (!(SEED_SOURCES as readonly string[]).includes(name)) throw usageError("bad_value", `invalid ${flag}: ${name} (expected one of ${SEED_SOURCES.join(", ")})`);
    if (!out.includes(name as SeedSource)) out.push(name as SeedSource);
  }
  return out;
}
