import { z } from "zod";
import { usageError } from "../errors/index.ts";
import { SEED_SOURCES, parseSources, type SeedSource, type SourceSeeds } from "../rng/index.ts";

/**
 * The designs of a variance study:
 * - `none`: n runs with the same seeds (the control: on a deterministic backend they must be
 *   bit-identical, so every variance is 0);
 * - `one-at-a-time`: for each source, n runs varying only it (seeds base, base+1, …), the others
 *   at the base seed (Bouthillier et al., MLSys 2021);
 * - `all`: n runs with root seeds base, base+1, …, every source following it (the article's design);
 * - `crossed`: two sources A × B at n × m levels, the others at the base seed.
 */
export const DESIGNS = ["none", "one-at-a-time", "all", "crossed"] as const;
export type Design = (typeof DESIGNS)[number];

/** A variance study as an experiment file's `variance` block holds it (params of the `variance` task). */
export const studySchema = z
  .object({
    design: z.enum(DESIGNS),
    /** Runs per source (one-at-a-time), in all (none, all), or levels of the first source (crossed). */
    n: z.number().int().min(2),
    /** crossed: levels of the second source (default n). */
    m: z.number().int().min(2).optional(),
    /** Sources to vary: one-at-a-time (default all five), crossed (exactly two; default split,init). */
    sources: z.union([z.string(), z.array(z.string())]).optional(),
    /** Seed every source holds when it is not varied, and the first level; default: the experiment's first seed. */
    baseSeed: z.number().int().nonnegative().optional(),
    /** Patient-bootstrap resamples per run for the evaluation noise (0: not estimated). */
    bootstrap: z.number().int().nonnegative().optional(),
    /** Where variance.json goes; default `<experiment outdir>/variance/<design>`. */
    outdir: z.string().optional(),
  })
  .strict();
export type StudyInput = z.infer<typeof studySchema>;

/** A study with every choice resolved. */
export interface Study {
  design: Design;
  n: number;
  /** crossed only, else null. */
  m: number | null;
  /** The sources varied: all five for `all`, none for `none`. */
  sources: SeedSource[];
  baseSeed: number;
  bootstrap: number;
}

/** Default patient-bootstrap resamples for the evaluation noise. */
export const DEFAULT_EVAL_RESAMPLES = 200;

/** Resolves defaults and refuses combinations the design does not take, naming the flag. */
export function resolveStudy(input: StudyInput, defaultBase: number): Study {
  const given = input.sources === undefined ? null : parseSources(input.sources, "--sources");
  const base = input.baseSeed ?? defaultBase;
  const bootstrap = input.bootstrap ?? DEFAULT_EVAL_RESAMPLES;
  if (input.m !== undefined && input.design !== "crossed") throw usageError("bad_value", `--m ${input.m} is for the crossed design (got --design ${input.design})`);
  switch (input.design) {
    case "none":
    case "all":
      if (given) throw usageError("bad_value", `--sources ${given.join(",")} does not apply to --design ${input.design} (${input.design === "all" ? "every source varies" : "no source varies"})`);
      return { design: input.design, n: input.n, m: null, sources: input.design === "all" ? [...SEED_SOURCES] : [], baseSeed: base, bootstrap };
    case "one-at-a-time":
      if (given && given.length === 0) throw usageError("bad_value", "--sources is empty (expected one or more of split, init, order, augment, dropout)");
      return { design: input.design, n: input.n, m: null, sources: given ?? [...SEED_SOURCES], baseSeed: base, bootstrap };
    case "crossed": {
      const sources = given ?? ["split", "init"];
      if (sources.length !== 2) throw usageError("bad_value", `--design crossed needs exactly two --sources (e.g. split,init), got ${sources.length}: ${sources.join(",") || "none"}`);
      return { design: input.design, n: input.n, m: input.m ?? input.n, sources, baseSeed: base, bootstrap };
    }
  }
}

/** One training run the study needs. */
export interface PlannedRun {
  /** Stable name: `s42-i43-o42-a42-d42` (the seed of each source), or `none-3` for a control replicate. */
  key: string;
  seeds: SourceSeeds;
}

/** `s42-i43-o42-a42-d42`. */
export function seedKey(seeds: SourceSeeds): string {
  return SEED_SOURCES.map((s) => `${s[0]}${seeds[s]}`).join("-");
}

const uniform = (v: number): SourceSeeds => ({ split: v, init: v, order: v, augment: v, dropout: v });

/**
 * The runs of `study`. Levels of a varied source are seeds base, base+1, …, so the base run (every
 * source at base) is level 0 of every arm and is trained once; `none` replicates are separate runs,
 * since the point is to train the same thing several times.
 */
export function planStudy(study: Study): PlannedRun[] {
  const base = study.baseSeed;
  const out = new Map<string, PlannedRun>();
  const add = (seeds: SourceSeeds) => out.set(seedKey(seeds), { key: seedKey(seeds), seeds });
  switch (study.design) {
    case "none":
      return Array.from({ length: study.n }, (_, i) => ({ key: `none-${i + 1}`, seeds: uniform(base) }));
    case "all":
      for (let i = 0; i < study.n; i++) add(uniform(base + i));
      break;
    case "one-at-a-time":
      for (const source of study.sources) for (let i = 0; i < study.n; i++) add({ ...uniform(base), [source]: base + i });
      break;
    case "crossed": {
      const [a, b] = study.sources as [SeedSource, SeedSource];
      for (let i = 0; i < study.n; i++) for (let j = 0; j < (study.m as number); j++) add({ ...uniform(base), [a]: base + i, [b]: base + j });
      break;
    }
  }
  return [...out.values()];
}
